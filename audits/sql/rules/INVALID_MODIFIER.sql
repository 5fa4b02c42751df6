-- id: INVALID_MODIFIER
-- title: Invalid modifier
-- severity: warning
-- category: coding
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: A modifier is not 2 letters or digits.
-- action: Correct the modifiers on the claim.
-- source: SPEC 4; CPT/HCPCS modifiers are two characters
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('Modifier not 2 letters or digits: ', bad_modifiers) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND bad_modifiers IS NOT NULL
