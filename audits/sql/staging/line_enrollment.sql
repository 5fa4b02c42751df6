-- line_enrollment: for each (provider, payer, date of service, POS) billed by a known provider,
-- which enrollment rows cover the DOS and, when none does, the one enrollment finding that applies.
-- Why: SPEC 4 - a row covers DOS when its status is enrolled/terminated and
-- effective_date <= DOS <= termination_date (open when empty); pending and denied rows never cover.
-- A line gets at most one enrollment finding, first that applies in the order
-- AFTER_TERMINATION, BEFORE_EFFECTIVE, ENROLLMENT_NOT_APPROVED, NOT_ENROLLED.
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

final AS (
    SELECT
        npi,
        payer_id,
        date_of_service,
        pos_key,
        covered = 1 AS covered,
        CASE
            WHEN has_rows = 0 THEN 'NOT_ENROLLED'
            WHEN covered = 1 THEN NULL
            WHEN terminated_on IS NOT NULL THEN 'AFTER_TERMINATION'
            WHEN effective_on IS NOT NULL THEN 'BEFORE_EFFECTIVE'
            WHEN unapproved_status IS NOT NULL THEN 'ENROLLMENT_NOT_APPROVED'
        END AS enrollment_finding,
        covered = 1 AND pos_key <> '' AND pos_allowed = 0 AS pos_not_enrolled,
        allowed_pos_on_dos,
        terminated_on,
        effective_on,
        unapproved_status
    FROM summarised
)

SELECT * FROM final
