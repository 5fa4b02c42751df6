-- id: OUT_OF_SCOPE
-- title: Code outside the approved scope
-- severity: error
-- category: scope
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- description: The procedure code is outside the services the payer approved for the provider.
-- action: Check the provider's approved services with the payer; bill under a provider approved for the code, or request the scope change.
-- source: SPEC 4; payer credentialing delineation of privileges (service scope)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('Code ', code, ' is ', CASE WHEN scope_reason LIKE 'excluded%' THEN 'in ' ELSE '' END,
           scope_reason, ' of this provider with ', payer_label) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND out_of_scope
    AND NOT invalid_procedure_code
