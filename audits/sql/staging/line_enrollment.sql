-- line_enrollment: for each (provider, payer, date of service, POS) billed by a known provider,
-- which enrollment rows cover the DOS and, when none does, the one enrollment finding that applies.
-- Why: SPEC 4 - a row covers DOS when its status is enrolled/terminated and
-- effective_date <= DOS <= termination_date (open when empty); pending and denied rows never cover.
-- A line gets at most one enrollment finding: of those that apply, the one with the smallest
-- enrollment_order in rule_registry (the rule headers; SPEC 4 lists AFTER_TERMINATION,
-- BEFORE_EFFECTIVE, ENROLLMENT_NOT_APPROVED, NOT_ENROLLED). An enrollment rule not in the registry
-- never names a line.
-- A line without POS ('' key) is not judged for POS (INVALID_POS says it is empty).
-- Computed per distinct key (far fewer than lines), then joined back in line_facts.

WITH

-- import
keys AS (
    SELECT DISTINCT rendering_npi AS npi, payer_id, date_of_service, coalesce(pos_code, '') AS pos_key
    FROM line_base
    WHERE known_provider
),

enrollment_rows AS (
    SELECT
        trim(npi) AS npi,
        trim(payer_id) AS payer_id,
        lower(trim(status)) AS status,
        effective_date,
        termination_date,
        replace(coalesce(allowed_pos, ''), ' ', '') AS allowed_pos
    FROM enrollments
),

enrollment_rules AS (
    SELECT rule_id, enrollment_order FROM rule_registry WHERE enrollment_order IS NOT NULL
),

-- logic: each row judged against the DOS
judged AS (
    SELECT
        k.npi,
        k.payer_id,
        k.date_of_service,
        k.pos_key,
        e.status,
        e.effective_date,
        e.termination_date,
        e.allowed_pos,
        e.npi IS NOT NULL AS has_row,
        e.status IN ('enrolled', 'terminated')
            AND e.effective_date <= k.date_of_service
            AND (e.termination_date IS NULL OR k.date_of_service <= e.termination_date) AS covers
    FROM keys AS k
    LEFT JOIN enrollment_rows AS e ON e.npi = k.npi AND e.payer_id = k.payer_id
),

summarised AS (
    SELECT
        npi,
        payer_id,
        date_of_service,
        pos_key,
        max(CASE WHEN has_row THEN 1 ELSE 0 END) AS has_rows,
        max(CASE WHEN covers THEN 1 ELSE 0 END) AS covered,
        -- POS: a covering row allows the line's POS when its list is empty or names it
        max(CASE
            WHEN covers AND (allowed_pos = '' OR concat(',', allowed_pos, ',') LIKE concat('%,', pos_key, ',%'))
            THEN 1 ELSE 0
        END) AS pos_allowed,
        max(CASE WHEN covers THEN allowed_pos END) AS allowed_pos_on_dos,
        max(CASE
            WHEN status IN ('enrolled', 'terminated') AND termination_date < date_of_service
            THEN termination_date
        END) AS terminated_on,
        min(CASE
            WHEN status IN ('enrolled', 'terminated') AND effective_date > date_of_service
            THEN effective_date
        END) AS effective_on,
        -- 'pending' sorts after 'denied': a pending application is the more useful thing to name
        max(CASE WHEN status IN ('pending', 'denied') THEN status END) AS unapproved_status
    FROM judged
    GROUP BY npi, payer_id, date_of_service, pos_key
),

-- each enrollment finding that applies to a key (NOT_ENROLLED: no row at all; the others: rows, none covers)
applicable AS (
    SELECT npi, payer_id, date_of_service, pos_key, 'NOT_ENROLLED' AS rule_id
    FROM summarised WHERE has_rows = 0
    UNION ALL
    SELECT npi, payer_id, date_of_service, pos_key, 'AFTER_TERMINATION' AS rule_id
    FROM summarised WHERE has_rows = 1 AND covered = 0 AND terminated_on IS NOT NULL
    UNION ALL
    SELECT npi, payer_id, date_of_service, pos_key, 'BEFORE_EFFECTIVE' AS rule_id
    FROM summarised WHERE has_rows = 1 AND covered = 0 AND effective_on IS NOT NULL
    UNION ALL
    SELECT npi, payer_id, date_of_service, pos_key, 'ENROLLMENT_NOT_APPROVED' AS rule_id
    FROM summarised WHERE has_rows = 1 AND covered = 0 AND unapproved_status IS NOT NULL
),

first_applicable AS (
    SELECT
        a.npi,
        a.payer_id,
        a.date_of_service,
        a.pos_key,
        a.rule_id,
        row_number() OVER (
            PARTITION BY a.npi, a.payer_id, a.date_of_service, a.pos_key ORDER BY r.enrollment_order, a.rule_id
        ) AS n
    FROM applicable AS a
    INNER JOIN enrollment_rules AS r ON r.rule_id = a.rule_id
),

final AS (
    SELECT
        s.npi,
        s.payer_id,
        s.date_of_service,
        s.pos_key,
        s.covered = 1 AS covered,
        f.rule_id AS enrollment_finding,
        s.covered = 1 AND s.pos_key <> '' AND s.pos_allowed = 0 AS pos_not_enrolled,
        s.allowed_pos_on_dos,
        s.terminated_on,
        s.effective_on,
        s.unapproved_status
    FROM summarised AS s
    LEFT JOIN first_applicable AS f
        ON f.n = 1 AND f.npi = s.npi AND f.payer_id = s.payer_id AND f.date_of_service = s.date_of_service
        AND f.pos_key = s.pos_key
)

SELECT * FROM final
