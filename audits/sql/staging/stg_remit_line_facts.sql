-- stg_remit_line_facts: one row per remitted claim line (any month) with what its remittances say.
-- Why: SPEC 4/5 define paid, denied, credentialing-coded and root cause per claim line, and the rules
-- and every measure must agree on them, so they are computed here once.
--  * Only remittances from the claim's payer count (a secondary payer's 835 says nothing about
--    whether the primary accepted the rendering provider).
--  * A remittance event is the natural key of SPEC 1; several stored rows of one event (an export
--    with one row per adjustment repeats the line's paid amount) count once.
--  * A claim payment without service lines (line_no empty) applies to every line of its claim,
--    its paid amount shared in proportion to billed; claim-level adjustments are shared the same way.
--  * Denied = paid 0 and an adjustment whose group is not PR (a line applied in full to the
--    deductible is not denied).
--  * Credentialing-coded = CARC category credentialing/scope, or CARC 16 with a credentialing-category
--    RARC (N290, N570, ...) on the same line or at claim level.

WITH

-- import
claim_line_rows AS (
    SELECT claim_id, line_no, payer_id, billed_amount FROM claim_lines
),

remits AS (
    SELECT
        remit_line_id,
        payer_id,
        claim_id,
        line_no,
        paid_amount,
        min(remit_line_id) OVER (
            PARTITION BY payer_id, claim_id, line_no, adjudication_date, claim_status, paid_amount
        ) AS event_id
    FROM remit_lines
),

adjustments AS (
    SELECT remit_line_id, level, position, upper(trim(group_code)) AS group_code,
           upper(trim(carc)) AS carc, amount
    FROM remit_adjustments
),

remarks AS (
    SELECT remit_line_id, level, position, upper(trim(rarc)) AS rarc FROM remit_remarks
),

carc_categories AS (
    SELECT code, root_cause FROM ref_carc WHERE code_type = 'CARC'
),

rarc_categories AS (
    SELECT code, root_cause FROM ref_carc WHERE code_type = 'RARC'
),

-- logic: each claim line's share of its claim's billed amount (claim payments are spread by it)
claim_totals AS (
    SELECT claim_id, payer_id, sum(billed_amount) AS claim_billed, count(*) AS claim_line_count
    FROM claim_line_rows
    GROUP BY claim_id, payer_id
),

line_shares AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.payer_id,
        l.billed_amount,
        CASE
            WHEN t.claim_billed <> 0 THEN CAST(l.billed_amount AS DOUBLE) / CAST(t.claim_billed AS DOUBLE)
            ELSE 1.0 / t.claim_line_count
        END AS share
    FROM claim_line_rows AS l
    INNER JOIN claim_totals AS t ON t.claim_id = l.claim_id AND t.payer_id = l.payer_id
),

events AS (
    SELECT DISTINCT event_id, payer_id, claim_id, line_no, paid_amount FROM remits
),

-- every event applied to the claim lines it pays, with the weight of its paid amount
event_lines AS (
    SELECT s.claim_id, s.line_no, e.event_id, CAST(e.paid_amount AS DOUBLE) AS paid_share
    FROM events AS e
    INNER JOIN line_shares AS s
        ON s.claim_id = e.claim_id AND s.line_no = e.line_no AND s.payer_id = e.payer_id
    WHERE e.line_no IS NOT NULL
    UNION ALL
    SELECT s.claim_id, s.line_no, e.event_id, CAST(e.paid_amount AS DOUBLE) * s.share AS paid_share
    FROM events AS e
    INNER JOIN line_shares AS s ON s.claim_id = e.claim_id AND s.payer_id = e.payer_id
    WHERE e.line_no IS NULL
),

event_adjustments AS (
    SELECT DISTINCT r.event_id, r.payer_id, r.claim_id, r.line_no, a.level, a.position,
                    a.group_code, a.carc, a.amount
    FROM adjustments AS a
    INNER JOIN remits AS r ON r.remit_line_id = a.remit_line_id
),

event_remarks AS (
    SELECT DISTINCT r.event_id, r.payer_id, r.claim_id, r.line_no, m.level, m.position, m.rarc
    FROM remarks AS m
    INNER JOIN remits AS r ON r.remit_line_id = m.remit_line_id
),

-- a line-level adjustment belongs to its service line; a claim-level one (or any adjustment of a
-- claim payment without service lines) is shared by the claim's lines in proportion to billed
line_adjustments AS (
    SELECT s.claim_id, s.line_no, a.group_code, a.carc, CAST(a.amount AS DOUBLE) AS amount
    FROM event_adjustments AS a
    INNER JOIN line_shares AS s
        ON s.claim_id = a.claim_id AND s.line_no = a.line_no AND s.payer_id = a.payer_id
    WHERE a.level = 'line' AND a.line_no IS NOT NULL
    UNION ALL
    SELECT s.claim_id, s.line_no, a.group_code, a.carc, CAST(a.amount AS DOUBLE) * s.share AS amount
    FROM event_adjustments AS a
    INNER JOIN line_shares AS s ON s.claim_id = a.claim_id AND s.payer_id = a.payer_id
    WHERE a.level <> 'line' OR a.line_no IS NULL
),

line_remarks AS (
    SELECT s.claim_id, s.line_no, m.rarc
    FROM event_remarks AS m
    INNER JOIN line_shares AS s
        ON s.claim_id = m.claim_id AND s.line_no = m.line_no AND s.payer_id = m.payer_id
    WHERE m.level = 'line' AND m.line_no IS NOT NULL
    UNION ALL
    SELECT s.claim_id, s.line_no, m.rarc
    FROM event_remarks AS m
    INNER JOIN line_shares AS s ON s.claim_id = m.claim_id AND s.payer_id = m.payer_id
    WHERE m.level <> 'line' OR m.line_no IS NULL
),

credentialing_remarks AS (
    SELECT m.claim_id, m.line_no, max(m.rarc) AS rarc
    FROM line_remarks AS m
    INNER JOIN rarc_categories AS c ON c.code = m.rarc
    WHERE c.root_cause = 'credentialing'
    GROUP BY m.claim_id, m.line_no
),

categorised AS (
    SELECT
        a.claim_id,
        a.line_no,
        a.group_code,
        a.carc,
        a.amount,
        coalesce(c.root_cause, 'unknown') AS category,
        CASE
            WHEN c.root_cause IN ('credentialing', 'scope') THEN c.root_cause
            WHEN a.carc = '16' AND m.rarc IS NOT NULL THEN 'credentialing'
        END AS credentialing_category,
        m.rarc AS credentialing_rarc
    FROM line_adjustments AS a
    LEFT JOIN carc_categories AS c ON c.code = a.carc
    LEFT JOIN credentialing_remarks AS m ON m.claim_id = a.claim_id AND m.line_no = a.line_no
),

paid_per_line AS (
    SELECT claim_id, line_no, count(DISTINCT event_id) AS remittances, sum(paid_share) AS paid
    FROM event_lines
    GROUP BY claim_id, line_no
),

adjustment_summary AS (
    SELECT
        claim_id,
        line_no,
        max(CASE WHEN coalesce(group_code, '') <> 'PR' THEN 1 ELSE 0 END) AS has_non_pr_adjustment,
        max(CASE WHEN credentialing_category IS NOT NULL THEN 1 ELSE 0 END) AS has_credentialing_coded,
        sum(CASE WHEN category NOT IN ('other', 'unknown') THEN amount ELSE 0 END) AS adjusted_not_other
    FROM categorised
    GROUP BY claim_id, line_no
),

-- the largest credentialing-coded adjustment names a credentialing denial's cause
largest_credentialing AS (
    SELECT claim_id, line_no, credentialing_category, group_code, carc, credentialing_rarc
    FROM (
        SELECT
            claim_id, line_no, credentialing_category, group_code, carc, credentialing_rarc,
            row_number() OVER (
                PARTITION BY claim_id, line_no ORDER BY amount DESC, credentialing_category, carc
            ) AS position_by_size
        FROM categorised
        WHERE credentialing_category IS NOT NULL
    ) AS ranked
    WHERE position_by_size = 1
),

-- otherwise the largest adjustment that is not 'other' (contractual, patient share) names it
largest_not_other AS (
    SELECT claim_id, line_no, category, group_code, carc
    FROM (
        SELECT
            claim_id, line_no, category, group_code, carc,
            row_number() OVER (PARTITION BY claim_id, line_no ORDER BY amount DESC, category, carc) AS position_by_size
        FROM categorised
        WHERE category <> 'other'
    ) AS ranked
    WHERE position_by_size = 1
),

line_status AS (
    SELECT
        p.claim_id,
        p.line_no,
        s.payer_id,
        s.billed_amount,
        p.remittances,
        CAST(round(p.paid, 2) AS DECIMAL(14, 2)) AS paid_amount,
        round(p.paid, 2) = 0 AND coalesce(a.has_non_pr_adjustment, 0) = 1 AS denied,
        coalesce(a.has_credentialing_coded, 0) = 1 AS has_credentialing_coded,
        coalesce(a.adjusted_not_other, 0) AS adjusted_not_other
    FROM paid_per_line AS p
    INNER JOIN line_shares AS s ON s.claim_id = p.claim_id AND s.line_no = p.line_no
    LEFT JOIN adjustment_summary AS a ON a.claim_id = p.claim_id AND a.line_no = p.line_no
),

final AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.payer_id,
        l.billed_amount,
        l.remittances,
        l.paid_amount,
        l.denied,
        l.denied AND l.has_credentialing_coded AS denied_for_credentialing,
        CASE
            WHEN l.denied AND l.has_credentialing_coded THEN c.credentialing_category
            WHEN l.denied THEN coalesce(o.category, 'unknown')
        END AS root_cause,
        CASE WHEN l.denied THEN l.billed_amount ELSE 0 END AS denied_dollars,
        CASE
            WHEN NOT l.denied AND l.paid_amount > 0 THEN CAST(round(l.adjusted_not_other, 2) AS DECIMAL(14, 2))
            ELSE 0
        END AS partially_denied_dollars,
        -- how the payer said it, for the finding's detail: e.g. CO-B7, or CO-16 / N290
        CASE
            WHEN c.carc IS NULL THEN NULL
            WHEN c.carc = '16' AND c.credentialing_rarc IS NOT NULL
                THEN concat(coalesce(c.group_code, '?'), '-', c.carc, ' with ', c.credentialing_rarc)
            ELSE concat(coalesce(c.group_code, '?'), '-', c.carc)
        END AS credentialing_adjustment
    FROM line_status AS l
    LEFT JOIN largest_credentialing AS c ON c.claim_id = l.claim_id AND c.line_no = l.line_no
    LEFT JOIN largest_not_other AS o ON o.claim_id = l.claim_id AND o.line_no = l.line_no
)

SELECT * FROM final
