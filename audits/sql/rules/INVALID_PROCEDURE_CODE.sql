-- id: INVALID_PROCEDURE_CODE
-- title: Invalid procedure code
-- severity: error
-- category: coding
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: The procedure code is empty or is not a CPT (I, II, III), PLA or HCPCS Level II code.
-- action: Correct the procedure code on the claim.
-- source: SPEC 4; AMA CPT code formats, CMS HCPCS Level II format (letter + 4 digits)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    CASE
        WHEN code = '' THEN 'Procedure code is empty'
        ELSE concat('Procedure code ''', code, ''' is not a CPT, PLA or HCPCS Level II code')
    END AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND invalid_procedure_code
