-- stg_remit_line_facts: one row per remitted claim line (any month) with what its remittances say.
-- Why: SPEC 4/5 define paid, denied, credentialing-coded and root cause per claim line, and the rules
-- and every measure must agree on them, so they are computed here once.
--  * Only remittances from the claim's payer count (a secondary payer's 835 says nothing about
--    whether the primary accepted the rendering provider).
--  * A remittance event is the natural key of SPEC 1 (payer, claim, line, adjudication date, status,
--    paid); several stored rows of one event (an export with one row per adjustment repeats the
--    line's paid amount) count once, and so do their identical adjustment rows.
--  * A claim payment without service lines (line_no empty) applies to every line of its claim, its
--    paid amount shared in proportion to billed; claim-level adjustments and remarks are shared the
--    same way. Shares are computed only for the claims that need them.
--  * Denied = paid 0 and an adjustment whose group is not PR (a line applied in full to the
--    deductible is not denied).
--  * Credentialing-coded = CARC category credentialing/scope, or CARC 16 with a credentialing-category
--    RARC (N290, N570, ...) on the same line or at claim level.
--  * Root cause of a denied line (SPEC 5): the category of its largest credentialing-coded adjustment
--    when denied for credentialing, else of its largest adjustment that is not 'other' ('unknown' for
--    a CARC missing from ref_carc, or when there is none).

WITH

-- import
claim_line_rows AS (
    SELECT claim_id, line_no, payer_id, billed_amount FROM claim_lines
),

remit_rows AS (
    SELECT
        remit_line_id,
        payer_id,
        claim_id,
        line_no,
        paid_amount,
        -- the first stored row of each remittance event (natural key) stands for the event
        min(remit_line_id) OVER (
            PARTITION BY payer_id, claim_id, line_no, adjudication_date, claim_status, paid_amount
        ) AS event_id
    FROM remit_lines
),

adjustment_rows AS (
    SELECT remit_line_id, level, position, upper(trim(group_code)) AS group_code, upper(trim(carc)) AS carc, amount
    FROM remit_adjustments
),

remark_rows AS (
    SELECT remit_line_id, level, upper(trim(rarc)) AS rarc FROM remit_remarks
),

carc_categories AS (
    SELECT code, root_cause FROM ref_carc WHERE code_type = 'CARC'
),

rarc_categories AS (
    SELECT code, root_cause FROM ref_carc WHERE code_type = 'RARC'
),

-- logic: remittance events (natural key), their adjustments and remarks, each counted once
events AS (
    SELECT event_id, payer_id, claim_id, line_no, paid_amount FROM remit_rows WHERE remit_line_id = event_id
),

tagged_adjustments AS (
    SELECT r.event_id, r.remit_line_id, r.payer_id, r.claim_id, r.line_no, a.level, a.position, a.group_code,
           a.carc, a.amount
    FROM adjustment_rows AS a
    INNER JOIN remit_rows AS r ON r.remit_line_id = a.remit_line_id
),

-- adjustments of an event's first row, plus those of its other stored rows (rare) that the first
-- row does not already carry: identical repeats count once without a DISTINCT over every row
event_adjustments AS (
    SELECT payer_id, claim_id, line_no, level, group_code, carc, amount
    FROM tagged_adjustments
    WHERE remit_line_id = event_id
    UNION ALL
    SELECT DISTINCT x.payer_id, x.claim_id, x.line_no, x.level, x.group_code, x.carc, x.amount
    FROM tagged_adjustments AS x
    LEFT JOIN tagged_adjustments AS f
        ON f.remit_line_id = x.event_id AND f.level = x.level AND f.position = x.position
        AND coalesce(f.group_code, '') = coalesce(x.group_code, '') AND coalesce(f.carc, '') = coalesce(x.carc, '')
        AND coalesce(f.amount, 0) = coalesce(x.amount, 0)
    WHERE x.remit_line_id <> x.event_id AND f.remit_line_id IS NULL
),

event_remarks AS (
    SELECT DISTINCT r.payer_id, r.claim_id, r.line_no, m.level, m.rarc
    FROM remark_rows AS m
    INNER JOIN remit_rows AS r ON r.remit_line_id = m.remit_line_id
),

-- claims with something to share among their lines: a claim payment without service lines, or a
-- claim-level adjustment or remark
shared_claims AS (
    SELECT payer_id, claim_id FROM events WHERE line_no IS NULL
    UNION
    SELECT payer_id, claim_id FROM event_adjustments WHERE line_no IS NULL OR level <> 'line'
    UNION
    SELECT payer_id, claim_id FROM event_remarks WHERE line_no IS NULL OR level <> 'line'
),

line_shares AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.payer_id,
        l.billed_amount,
        CASE
            WHEN sum(l.billed_amount) OVER (PARTITION BY l.claim_id, l.payer_id) <> 0
                THEN CAST(l.billed_amount AS DOUBLE)
                    / CAST(sum(l.billed_amount) OVER (PARTITION BY l.claim_id, l.payer_id) AS DOUBLE)
            ELSE 1.0 / count(*) OVER (PARTITION BY l.claim_id, l.payer_id)
        END AS share
    FROM claim_line_rows AS l
    INNER JOIN shared_claims AS c ON c.claim_id = l.claim_id AND c.payer_id = l.payer_id
),

-- every event's paid amount on the claim lines it pays (the claim's payer only)
paid_parts AS (
    SELECT l.claim_id, l.line_no, l.payer_id, l.billed_amount, CAST(e.paid_amount AS DOUBLE) AS paid_share
    FROM events AS e
    INNER JOIN claim_line_rows AS l
        ON l.claim_id = e.claim_id AND l.line_no = e.line_no AND l.payer_id = e.payer_id
    UNION ALL
    SELECT s.claim_id, s.line_no, s.payer_id, s.billed_amount, CAST(e.paid_amount AS DOUBLE) * s.share AS paid_share
    FROM events AS e
    INNER JOIN line_shares AS s ON s.claim_id = e.claim_id AND s.payer_id = e.payer_id
    WHERE e.line_no IS NULL
),

line_adjustments AS (
    SELECT l.claim_id, l.line_no, a.group_code, a.carc, CAST(a.amount AS DOUBLE) AS amount
    FROM event_adjustments AS a
    INNER JOIN claim_line_rows AS l
        ON l.claim_id = a.claim_id AND l.line_no = a.line_no AND l.payer_id = a.payer_id
    WHERE a.level = 'line'
    UNION ALL
    SELECT s.claim_id, s.line_no, a.group_code, a.carc, CAST(a.amount AS DOUBLE) * s.share AS amount
    FROM event_adjustments AS a
    INNER JOIN line_shares AS s ON s.claim_id = a.claim_id AND s.payer_id = a.payer_id
    WHERE a.line_no IS NULL OR a.level <> 'line'
),

line_remarks AS (
    SELECT l.claim_id, l.line_no, m.rarc
    FROM event_remarks AS m
    INNER JOIN claim_line_rows AS l
        ON l.claim_id = m.claim_id AND l.line_no = m.line_no AND l.payer_id = m.payer_id
    WHERE m.level = 'line'
    UNION ALL
    SELECT s.claim_id, s.line_no, m.rarc
    FROM event_remarks AS m
    INNER JOIN line_shares AS s ON s.claim_id = m.claim_id AND s.payer_id = m.payer_id
    WHERE m.line_no IS NULL OR m.level <> 'line'
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
    SELECT claim_id, line_no, payer_id, billed_amount, count(*) AS remittances, sum(paid_share) AS paid
    FROM paid_parts
    GROUP BY claim_id, line_no, payer_id, billed_amount
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

line_status AS (
    SELECT
        p.claim_id,
        p.line_no,
        p.payer_id,
        p.billed_amount,
        p.remittances,
        CAST(round(p.paid, 2) AS DECIMAL(14, 2)) AS paid_amount,
        round(p.paid, 2) = 0 AND coalesce(a.has_non_pr_adjustment, 0) = 1 AS denied,
        coalesce(a.has_credentialing_coded, 0) = 1 AS has_credentialing_coded,
        coalesce(a.adjusted_not_other, 0) AS adjusted_not_other
    FROM paid_per_line AS p
    LEFT JOIN adjustment_summary AS a ON a.claim_id = p.claim_id AND a.line_no = p.line_no
),

-- the cause is only needed for denied lines: rank just their adjustments
denied_adjustments AS (
    SELECT c.*, s.has_credentialing_coded
    FROM categorised AS c
    INNER JOIN line_status AS s ON s.claim_id = c.claim_id AND s.line_no = c.line_no
    WHERE s.denied
),

ranked_causes AS (
    SELECT
        claim_id,
        line_no,
        CASE WHEN has_credentialing_coded THEN credentialing_category ELSE category END AS cause,
        group_code,
        carc,
        credentialing_rarc,
        row_number() OVER (
            PARTITION BY claim_id, line_no
            ORDER BY amount DESC, CASE WHEN has_credentialing_coded THEN credentialing_category ELSE category END, carc
        ) AS position_by_size
    FROM denied_adjustments
    WHERE (has_credentialing_coded AND credentialing_category IS NOT NULL)
        OR (NOT has_credentialing_coded AND category <> 'other')
),

causes AS (
    SELECT claim_id, line_no, cause, group_code, carc, credentialing_rarc
    FROM ranked_causes
    WHERE position_by_size = 1
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
        CASE WHEN l.denied THEN coalesce(c.cause, 'unknown') END AS root_cause,
        CASE WHEN l.denied THEN l.billed_amount ELSE 0 END AS denied_dollars,
        CASE
            WHEN NOT l.denied AND l.paid_amount > 0 THEN CAST(round(l.adjusted_not_other, 2) AS DECIMAL(14, 2))
            ELSE 0
        END AS partially_denied_dollars,
        -- how the payer said it, for the finding's detail: e.g. CO-B7, or CO-16 with N290
        CASE
            WHEN NOT (l.denied AND l.has_credentialing_coded) THEN NULL
            WHEN c.carc = '16' AND c.credentialing_rarc IS NOT NULL
                THEN concat(coalesce(c.group_code, '?'), '-', c.carc, ' with ', c.credentialing_rarc)
            ELSE concat(coalesce(c.group_code, '?'), '-', c.carc)
        END AS credentialing_adjustment
    FROM line_status AS l
    LEFT JOIN causes AS c ON c.claim_id = l.claim_id AND c.line_no = l.line_no
)

SELECT * FROM final
