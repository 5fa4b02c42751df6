-- id: FIRST_TIME_COMBINATION
-- title: First claim of this provider, payer and code
-- severity: info
-- category: history
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: A provider billed a payer for a procedure code that no earlier month has a paid line of.
-- action: Check that the payer approved this service for this provider (scope, taxonomy, POS) before more lines of it go out.
-- source: SPEC 4
-- Why: a combination (rendering_npi, payer_id, procedure_code) of a known provider with no line paid
-- (SPEC 4 paid amount > 0, stg_remit_line_facts, read from line_paid_before) in an earlier service
-- month is surfaced once, on its first line of the month: earliest date of service, then claim_id,
-- then line_no. Codes compare in
-- upper case, as every rule reads them. A line with no valid procedure code is left to
-- INVALID_PROCEDURE_CODE: there is no service to review.

WITH

-- import
month_lines AS (
    SELECT claim_id, line_no, rendering_npi, payer_id, payer_label, procedure_code, code, date_of_service
    FROM line_base
    WHERE date_of_service BETWEEN $month_start AND $month_end
        AND known_provider
        AND code_class IS NOT NULL
),

-- the combinations with a paid line in an earlier month (line_paid_before: the remittance facts of
-- just the earlier lines of this month's combinations)
paid_before AS (
    SELECT rendering_npi, payer_id, code FROM line_paid_before
),

-- logic: group-bys, not a window over every line of the month (a window sorts them all). The
-- combination's lines with no earlier paid line, their count, then its first line: the earliest
-- date of service, on it the smallest claim_id, on that claim the smallest line_no.
unpaid_lines AS (
    SELECT l.*
    FROM month_lines AS l
    LEFT JOIN paid_before AS p
        ON p.rendering_npi = l.rendering_npi AND p.payer_id = l.payer_id AND p.code = l.code
    WHERE p.code IS NULL
),

combinations AS (
    SELECT rendering_npi, payer_id, code, count(*) AS lines_in_month, min(date_of_service) AS first_date
    FROM unpaid_lines
    GROUP BY rendering_npi, payer_id, code
),

first_day_lines AS (
    SELECT l.*, c.lines_in_month
    FROM unpaid_lines AS l
    INNER JOIN combinations AS c
        ON c.rendering_npi = l.rendering_npi AND c.payer_id = l.payer_id AND c.code = l.code
        AND c.first_date = l.date_of_service
),

first_claims AS (
    SELECT rendering_npi, payer_id, code, min(claim_id) AS first_claim
    FROM first_day_lines
    GROUP BY rendering_npi, payer_id, code
),

first_claim_lines AS (
    SELECT l.*
    FROM first_day_lines AS l
    INNER JOIN first_claims AS c
        ON c.rendering_npi = l.rendering_npi AND c.payer_id = l.payer_id AND c.code = l.code
        AND c.first_claim = l.claim_id
),

first_lines AS (
    SELECT rendering_npi, payer_id, code, claim_id, min(line_no) AS first_line_no
    FROM first_claim_lines
    GROUP BY rendering_npi, payer_id, code, claim_id
),

first_line AS (
    SELECT l.*
    FROM first_claim_lines AS l
    INNER JOIN first_lines AS f
        ON f.rendering_npi = l.rendering_npi AND f.payer_id = l.payer_id AND f.code = l.code
        AND f.claim_id = l.claim_id AND f.first_line_no = l.line_no
),

final AS (
    SELECT
        claim_id,
        line_no,
        rendering_npi,
        payer_id,
        procedure_code,
        date_of_service,
        CAST(NULL AS VARCHAR) AS subject,
        concat('First ', code, ' billed to ', payer_label, ' by this provider with no earlier paid line (',
               CAST(lines_in_month AS VARCHAR), CASE WHEN lines_in_month = 1 THEN ' line' ELSE ' lines' END,
               ' this month)') AS detail
    FROM first_line
)

SELECT * FROM final
