-- id: INVALID_NPI
-- title: Invalid rendering NPI
-- severity: error
-- category: identity
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: no
-- description: The rendering NPI is not 10 digits or fails the NPI check digit.
-- action: Correct the rendering NPI on the claim (check the provider's NPPES record) before submitting.
-- source: SPEC 4; CMS NPI standard: 10 digits, Luhn check digit over prefix 80840 + first 9 digits
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    CASE npi_problem
        WHEN 'missing' THEN 'Rendering NPI is missing'
        WHEN 'format' THEN concat('Rendering NPI ''', rendering_npi, ''' is not 10 digits')
        ELSE concat('Rendering NPI ', rendering_npi, ' fails the NPI check digit')
    END AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND invalid_npi
