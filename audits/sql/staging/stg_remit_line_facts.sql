-- stg_remit_line_facts: one row per remitted claim line (any month) with what its remittances say.
-- Why: SPEC 4/5 define paid, denied, credentialing-coded and root cause per claim line, and the rules
-- and every measure must agree on them, so they are computed here once. The audit builds the same
-- facts for just the lines it needs: audits.views makes the line tables line_remits and
-- line_earlier_remits from this file with the judged lines (the judged_lines CTE below) read from
-- line_remit_candidates / line_earlier_lines instead of claim_lines.
--  * Only remittances from the claim's payer count (a secondary payer's 835 says nothing about
--    whether the primary accepted the rendering provider).
--  * A remittance event is the natural key of SPEC 1 (payer, claim, line, adjudication date, status,
--    paid); several stored rows of one event (an export with one row per adjustment repeats the
--    line's paid amount) count once, and so do their identical adjustment rows. The event's id is its
--    first stored row's remit_line_id: each event joins its judged claim line once, and its
--    adjustments and remarks reach that line by the integer id.
--  * A claim payment without service lines (line_no empty) applies to every line of its claim, its
--    paid amount shared in proportion to billed (over all the claim's stored lines with that payer);
--    claim-level adjustments and remarks are shared the same way. Shares are computed only for the
--    claims that need them.
--  * Denied = paid 0 and an adjustment whose group is not PR (a line applied in full to the
--    deductible is not denied).
--  * Credentialing-coded = CARC category credentialing/scope, or CARC 16 with a credentialing-category
--    RARC (N290, N570, ...) on the same line or at claim level.
--  * Root cause of a denied line (SPEC 5): the category of its largest credentialing-coded adjustment
--    when denied for credentialing, else of its largest adjustment that is not 'other' ('unknown' for
--    a CARC missing from ref_carc, or when there is none).
--  * Per line, one group-by over its parts (paid shares, adjustments, credentialing remarks) gives
--    the counts, sums and flags; only the denied lines' adjustments are ranked for the cause.

WITH

-- import
judged_lines AS (
    SELECT claim_id, line_no, payer_id, billed_amount FROM claim_lines
),

claim_line_rows AS (
    SELECT claim_id, line_no, payer_id, billed_amount FROM claim_lines
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

credentialing_rarcs AS (
    SELECT code FROM ref_carc WHERE code_type = 'RARC' AND root_cause = 'credentialing'
),

-- logic: remittance events (natural key), their id the first stored row's remit_line_id, of the
-- judged lines' claims only (the natural key holds the claim, so keeping whole claims keeps whole events)
events AS (
    SELECT
        min(remit_line_id) AS event_id,
        count(*) AS stored_rows,
        payer_id,
        claim_id,
        line_no,
        adjudication_date,
        claim_status,
        paid_amount
    FROM remit_lines
    WHERE claim_id IN (SELECT claim_id FROM judged_lines)
    GROUP BY payer_id, claim_id, line_no, adjudication_date, claim_status, paid_amount
),

-- the other stored rows of an event (rare: an export with one row per adjustment)
repeated_rows AS (
    SELECT r.remit_line_id, e.event_id
    FROM remit_lines AS r
    INNER JOIN events AS e
        ON e.stored_rows > 1 AND e.payer_id = r.payer_id AND e.claim_id = r.claim_id
        AND e.line_no IS NOT DISTINCT FROM r.line_no AND e.adjudication_date IS NOT DISTINCT FROM r.adjudication_date
        AND e.claim_status IS NOT DISTINCT FROM r.claim_status AND e.paid_amount IS NOT DISTINCT FROM r.paid_amount
    WHERE r.remit_line_id <> e.event_id
),

first_adjustments AS (
    SELECT e.event_id, e.payer_id, e.claim_id, e.line_no, a.level, a.position, a.group_code, a.carc, a.amount
    FROM adjustment_rows AS a
    INNER JOIN events AS e ON e.event_id = a.remit_line_id
),

-- adjustments of an event's first row, plus those of its other stored rows that the first row does
-- not already carry, once per (payer, claim, line): identical repeats count once without a DISTINCT
-- over every row (any event of the same line reaches the same lines, so the smallest id stands in)
event_adjustments AS (
    SELECT event_id, payer_id, claim_id, line_no, level, group_code, carc, amount FROM first_adjustments
    UNION ALL
    SELECT min(e.event_id) AS event_id, e.payer_id, e.claim_id, e.line_no, a.level, a.group_code, a.carc, a.amount
    FROM adjustment_rows AS a
    INNER JOIN repeated_rows AS x ON x.remit_line_id = a.remit_line_id
    INNER JOIN events AS e ON e.event_id = x.event_id
    LEFT JOIN first_adjustments AS f
        ON f.event_id = x.event_id AND f.level = a.level AND f.position = a.position
        AND coalesce(f.group_code, '') = coalesce(a.group_code, '') AND coalesce(f.carc, '') = coalesce(a.carc, '')
        AND coalesce(f.amount, 0) = coalesce(a.amount, 0)
    WHERE f.event_id IS NULL
    GROUP BY e.payer_id, e.claim_id, e.line_no, a.level, a.group_code, a.carc, a.amount
),

categorised_adjustments AS (
    SELECT a.*, c.root_cause
    FROM event_adjustments AS a
    LEFT JOIN carc_categories AS c ON c.code = a.carc
),

-- only credentialing-category remarks change a fact (a line's largest such RARC); a remark needs no
-- event: repeats do not change a largest value
line_remark_rows AS (
    SELECT r.payer_id, r.claim_id, r.line_no, m.level, m.rarc
    FROM remark_rows AS m
    INNER JOIN credentialing_rarcs AS c ON c.code = m.rarc
    INNER JOIN remit_lines AS r ON r.remit_line_id = m.remit_line_id
),

-- claims with something to share among their lines: a claim payment without service lines, or a
-- claim-level adjustment or credentialing remark
shared_claims AS (
    SELECT payer_id, claim_id FROM events WHERE line_no IS NULL
    UNION
    SELECT payer_id, claim_id FROM event_adjustments WHERE line_no IS NULL OR level <> 'line'
    UNION
    SELECT payer_id, claim_id FROM line_remark_rows WHERE line_no IS NULL OR level <> 'line'
),

line_shares AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.payer_id,
        CASE
            WHEN sum(l.billed_amount) OVER (PARTITION BY l.claim_id, l.payer_id) <> 0
                THEN CAST(l.billed_amount AS DOUBLE)
                    / CAST(sum(l.billed_amount) OVER (PARTITION BY l.claim_id, l.payer_id) AS DOUBLE)
            ELSE 1.0 / count(*) OVER (PARTITION BY l.claim_id, l.payer_id)
        END AS share
    FROM claim_line_rows AS l
    INNER JOIN shared_claims AS c ON c.claim_id = l.claim_id AND c.payer_id = l.payer_id
),

-- what each event's own line-level adjustments say, by the integer event id
event_flags AS (
    SELECT
        event_id,
        max(CASE WHEN coalesce(group_code, '') <> 'PR' THEN 1 ELSE 0 END) AS has_non_pr_adjustment,
        max(CASE WHEN root_cause IN ('credentialing', 'scope') THEN 1 ELSE 0 END) AS has_credentialing_carc,
        max(CASE WHEN carc = '16' THEN 1 ELSE 0 END) AS has_carc_16,
        sum(CASE WHEN coalesce(root_cause, 'unknown') NOT IN ('other', 'unknown') THEN CAST(amount AS DOUBLE)
                 ELSE 0 END) AS adjusted_not_other
    FROM categorised_adjustments
    WHERE level = 'line' AND line_no IS NOT NULL
    GROUP BY event_id
),

-- adjustments shared from a claim payment or claim level, on each line of the claim
shared_adjustments AS (
    SELECT s.claim_id, s.line_no, s.payer_id, a.group_code, a.carc, a.root_cause, CAST(a.amount AS DOUBLE) * s.share AS amount
    FROM categorised_adjustments AS a
    INNER JOIN line_shares AS s ON s.claim_id = a.claim_id AND s.payer_id = a.payer_id
    WHERE a.line_no IS NULL OR a.level <> 'line'
),

-- every part of a line, keyed by (payer, claim, line): an event on the line with its own adjustments'
-- flags, a claim payment's paid share, a shared adjustment, a credentialing remark
line_parts AS (
    SELECT e.payer_id, e.claim_id, e.line_no, 1 AS is_paid, CAST(e.paid_amount AS DOUBLE) AS paid_share,
           coalesce(f.has_non_pr_adjustment, 0) AS has_non_pr_adjustment,
           coalesce(f.has_credentialing_carc, 0) AS has_credentialing_carc,
           coalesce(f.has_carc_16, 0) AS has_carc_16, coalesce(f.adjusted_not_other, 0) AS adjusted_not_other,
           CAST(NULL AS VARCHAR) AS rarc
    FROM events AS e
    LEFT JOIN event_flags AS f ON f.event_id = e.event_id
    WHERE e.line_no IS NOT NULL
    UNION ALL
    SELECT s.payer_id, s.claim_id, s.line_no, 1, CAST(e.paid_amount AS DOUBLE) * s.share, 0, 0, 0, 0, NULL
    FROM events AS e
    INNER JOIN line_shares AS s ON s.claim_id = e.claim_id AND s.payer_id = e.payer_id
    WHERE e.line_no IS NULL
    UNION ALL
    SELECT payer_id, claim_id, line_no, NULL, NULL,
           CASE WHEN coalesce(group_code, '') <> 'PR' THEN 1 ELSE 0 END,
           CASE WHEN root_cause IN ('credentialing', 'scope') THEN 1 ELSE 0 END,
           CASE WHEN carc = '16' THEN 1 ELSE 0 END,
           CASE WHEN coalesce(root_cause, 'unknown') NOT IN ('other', 'unknown') THEN amount ELSE 0 END,
           NULL
    FROM shared_adjustments
    UNION ALL
    SELECT payer_id, claim_id, line_no, NULL, NULL, 0, 0, 0, 0, rarc
    FROM line_remark_rows
    WHERE level = 'line' AND line_no IS NOT NULL
    UNION ALL
    SELECT s.payer_id, s.claim_id, s.line_no, NULL, NULL, 0, 0, 0, 0, m.rarc
    FROM line_remark_rows AS m
    INNER JOIN line_shares AS s ON s.claim_id = m.claim_id AND s.payer_id = m.payer_id
    WHERE m.line_no IS NULL OR m.level <> 'line'
),

line_summary AS (
    SELECT
        payer_id,
        claim_id,
        line_no,
        count(is_paid) AS remittances,
        sum(paid_share) AS paid,
        max(has_non_pr_adjustment) AS has_non_pr_adjustment,
        max(has_credentialing_carc) AS has_credentialing_carc,
        max(has_carc_16) AS has_carc_16,
        max(rarc) AS credentialing_rarc,
        sum(adjusted_not_other) AS adjusted_not_other
    FROM line_parts
    GROUP BY payer_id, claim_id, line_no
    HAVING count(is_paid) > 0
),

-- the judged lines remitted: each line's summary joins its claim line once
line_status AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.payer_id,
        l.billed_amount,
        s.remittances,
        CAST(round(s.paid, 2) AS DECIMAL(14, 2)) AS paid_amount,
        round(s.paid, 2) = 0 AND s.has_non_pr_adjustment = 1 AS denied,
        s.has_credentialing_carc = 1 OR (s.has_carc_16 = 1 AND s.credentialing_rarc IS NOT NULL)
            AS has_credentialing_coded,
        s.credentialing_rarc,
        s.adjusted_not_other
    FROM line_summary AS s
    INNER JOIN judged_lines AS l ON l.claim_id = s.claim_id AND l.line_no = s.line_no AND l.payer_id = s.payer_id
),

-- the adjustments of each line (its events' own, and shared ones), for the denied lines' cause
line_adjustments AS (
    SELECT payer_id, claim_id, line_no, group_code, carc, CAST(amount AS DOUBLE) AS amount, root_cause
    FROM categorised_adjustments
    WHERE level = 'line' AND line_no IS NOT NULL
    UNION ALL
    SELECT payer_id, claim_id, line_no, group_code, carc, amount, root_cause FROM shared_adjustments
),

-- the cause is only needed for denied lines: rank just their adjustments
denied_adjustments AS (
    SELECT
        p.claim_id,
        p.line_no,
        p.group_code,
        p.carc,
        p.amount,
        coalesce(p.root_cause, 'unknown') AS category,
        CASE
            WHEN p.root_cause IN ('credentialing', 'scope') THEN p.root_cause
            WHEN p.carc = '16' AND s.credentialing_rarc IS NOT NULL THEN 'credentialing'
        END AS credentialing_category,
        s.credentialing_rarc,
        s.has_credentialing_coded
    FROM line_adjustments AS p
    INNER JOIN line_status AS s ON s.claim_id = p.claim_id AND s.line_no = p.line_no AND s.payer_id = p.payer_id
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
