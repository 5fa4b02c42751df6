-- line_earlier_lines: the claim lines of earlier service months (before $month_start) with a
-- (rendering_npi, payer_id, code) combination billed this month by a known provider with a valid code,
-- for FIRST_TIME_COMBINATION (line_paid_before). Codes compare in upper case, as every rule reads them.
-- Why a line table: the remittance facts are then computed for these lines only (line_paid_before).

WITH

-- import
month_lines AS (
    SELECT rendering_npi, payer_id, code
    FROM line_base
    WHERE date_of_service BETWEEN $month_start AND $month_end
        AND known_provider
        AND code_class IS NOT NULL
),

-- logic: only the combinations billed this month are looked up in earlier months
month_combinations AS (
    SELECT DISTINCT rendering_npi, payer_id, code FROM month_lines
),

final AS (
    SELECT c.claim_id, c.line_no, c.payer_id, c.billed_amount, m.rendering_npi, m.payer_id AS payer_key, m.code
    FROM claim_lines AS c
    INNER JOIN month_combinations AS m
        ON m.rendering_npi = trim(c.rendering_npi) AND m.payer_id = trim(c.payer_id)
        AND m.code = upper(trim(c.procedure_code))
    WHERE c.date_of_service < $month_start
)

SELECT * FROM final
