-- stg_payer_names: the one name of each payer, for findings' details, pages and exports alike.
-- Why: the payers table may hold a payer twice (two roster sheets, a spelling fixed later) or with a
-- blank name; every reader shows the same name: the smallest non-empty trimmed one (issue 10: one copy
-- took max, another min). audits/findings.py reads this file's text as PAYER_NAMES_SQL.
SELECT trim(payer_id) AS payer_id, min(nullif(trim(payer_name), '')) AS payer_name
FROM payers
GROUP BY trim(payer_id)
