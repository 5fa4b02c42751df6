-- stg_providers: one row per provider (by trimmed NPI), however often the roster lists it.
-- Why: a provider listed twice (two roster sheets, a re-hire) is one provider everywhere: its name is the
-- smallest non-empty trimmed one (pages, exports and findings alike); it is active when any of its rows
-- says active or says nothing (SPEC 4: only active providers get the forward alerts), case and spaces
-- ignored; its hire date is the earliest. The rules read this view; audits/findings.py inlines this
-- file's text (PROVIDERS_SQL) so a read needs no view.
SELECT
    trim(npi) AS npi,
    min(nullif(trim(provider_name), '')) AS provider_name,
    min(nullif(trim(specialty), '')) AS specialty,
    min(nullif(trim(taxonomy_code), '')) AS taxonomy_code,
    min(nullif(trim(primary_state), '')) AS primary_state,
    min(hire_date) AS hire_date,
    CASE
        WHEN max(CASE WHEN lower(trim(coalesce(status, 'active'))) = 'active' THEN 1 ELSE 0 END) = 1 THEN 'active'
        ELSE min(lower(trim(status)))
    END AS status,
    max(CASE WHEN lower(trim(coalesce(status, 'active'))) = 'active' THEN 1 ELSE 0 END) = 1 AS active
FROM providers
GROUP BY trim(npi)
