-- stg_provider_names: the one name of each provider (by NPI), for pages and exports alike.
-- Why: a provider listed twice in the roster may carry two spellings or a blank name; every reader shows
-- the smallest non-empty trimmed one. audits/findings.py reads this file's text as PROVIDER_NAMES_SQL.
SELECT trim(npi) AS npi, min(nullif(trim(provider_name), '')) AS provider_name
FROM providers
GROUP BY trim(npi)
