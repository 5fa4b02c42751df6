-- line_facts: one row per line under audit with every fact the line rules of SPEC 4 test.
-- Why one table: the rules are thin filters over it. Which findings are blocking or credentialing is
-- no business of this table: the rule headers say it (rule_registry), and line_findings collects the
-- lines those rules fire on (audits.views), for line_remit_facts and the pre-check.
-- OUT_OF_SCOPE is judged only for valid codes (no INVALID_PROCEDURE_CODE), the provider rules only for
-- known providers (the staging tables hold no row for other lines).

WITH

-- import
base AS (
    SELECT * FROM line_base
),

enrollment AS (
    SELECT * FROM line_enrollment
),

scope AS (
    SELECT * FROM line_scope
),

credential_cover AS (
    SELECT * FROM line_credentials
),

-- logic
joined AS (
    SELECT
        b.*,
        b.npi_problem IS NOT NULL AS invalid_npi,
        b.npi_problem IS NULL AND NOT b.known_provider AS unknown_provider,
        e.enrollment_finding,
        e.terminated_on,
        e.effective_on,
        e.unapproved_status,
        e.allowed_pos_on_dos,
        coalesce(e.pos_not_enrolled, false) AS pos_not_enrolled,
        coalesce(s.out_of_scope, false) AS out_of_scope,
        s.scope_reason,
        coalesce(c.license_invalid, false) AS license_invalid,
        coalesce(c.board_cert_expired, false) AS board_cert_expired,
        b.code_class IS NULL AS invalid_procedure_code,
        b.pos_missing OR b.pos_unknown AS invalid_pos
    FROM base AS b
    LEFT JOIN enrollment AS e
        ON e.npi = b.rendering_npi AND e.payer_id = b.payer_id AND e.date_of_service = b.date_of_service
        AND e.pos_key = coalesce(b.pos_code, '')
    LEFT JOIN scope AS s ON s.npi = b.rendering_npi AND s.payer_id = b.payer_id AND s.code = b.code
    LEFT JOIN credential_cover AS c
        ON c.npi = b.rendering_npi AND c.state_key = coalesce(b.service_state, '')
        AND c.date_of_service = b.date_of_service
),

final AS (
    SELECT * FROM joined
)

SELECT * FROM final
