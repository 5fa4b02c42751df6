-- id: ENROLLMENT_NOT_APPROVED
-- title: Enrollment not approved
-- severity: error
-- category: enrollment
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- enrollment_order: 3
-- description: The provider's enrollment with the payer is pending or was denied; nothing covers the date of service.
-- action: Hold the claim; follow up the application with the payer (or appeal the denial) before billing.
-- source: SPEC 4
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' enrollment is ', unapproved_status, ', not approved; date of service is ',
           CAST(date_of_service AS VARCHAR)) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND enrollment_finding = 'ENROLLMENT_NOT_APPROVED'
