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

-- logic
ranked AS (
    SELECT
        l.*,
        count(*) OVER (PARTITION BY l.rendering_npi, l.payer_id, l.code) AS lines_in_month,
        row_number() OVER (
            PARTITION BY l.rendering_npi, l.payer_id, l.code
            ORDER BY l.date_of_service, l.claim_id, l.line_no
        ) AS position_in_month
    FROM month_lines AS l
    LEFT JOIN paid_before AS p
        ON p.rendering_npi = l.rendering_npi AND p.payer_id = l.payer_id AND p.code = l.code
    WHERE p.code IS NULL
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
    FROM ranked
    WHERE position_in_month = 1
)

SELECT * FROM final
