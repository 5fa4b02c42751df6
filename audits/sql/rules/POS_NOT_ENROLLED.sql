-- id: POS_NOT_ENROLLED
-- title: Place of service not enrolled
-- severity: error
-- category: enrollment
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- description: The provider is enrolled on the date of service, but not for the line's place of service.
-- action: Add the place of service to the provider's enrollment with the payer, or correct the POS on the claim.
-- source: SPEC 4; CMS place-of-service code set
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' enrollment allows place of service ', coalesce(allowed_pos_on_dos, ''),
           '; the line is billed with ', pos_code) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND pos_not_enrolled
