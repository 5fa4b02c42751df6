-- id: AFTER_TERMINATION
-- title: Billed after the enrollment ended
-- severity: error
-- category: enrollment
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- enrollment_order: 1
-- description: The provider's enrollment with the payer had ended before the date of service.
-- action: Hold the claim; reinstate or re-enroll the provider with the payer, or bill under a provider enrolled on that date.
-- source: SPEC 4; CMS Medicare enrollment rules (42 CFR 424.535 revocation, 424.540 deactivation: no payment after billing privileges end; https://www.law.cornell.edu/cfr/text/42/424.535)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' enrollment terminated ', CAST(terminated_on AS VARCHAR),
           '; date of service is ', CAST(date_of_service AS VARCHAR)) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND enrollment_finding = 'AFTER_TERMINATION'
