-- id: UNKNOWN_PROVIDER
-- title: Provider not on the roster
-- severity: error
-- category: identity
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: no
-- description: The rendering NPI is valid but the provider is not in the credentialing roster.
-- action: Add the provider to the credentialing workbook, or correct the rendering NPI on the claim.
-- source: SPEC 4
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('Rendering NPI ', rendering_npi, ' is not in the provider roster') AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND unknown_provider
