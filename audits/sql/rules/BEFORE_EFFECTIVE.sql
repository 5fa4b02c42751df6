-- id: BEFORE_EFFECTIVE
-- title: Billed before the enrollment began
-- severity: error
-- category: enrollment
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- enrollment_order: 2
-- description: The date of service is before the provider's enrollment with the payer became effective.
-- action: Hold the claim until the effective date is confirmed, or ask the payer for a retroactive effective date.
-- source: SPEC 4; CMS enrollment effective-date rules (42 CFR 424.520(d): the later of the filing date and the first service at the location; 424.521: retrospective billing up to 30 days; https://www.law.cornell.edu/cfr/text/42/424.521)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' enrollment effective ', CAST(effective_on AS VARCHAR),
           '; date of service is ', CAST(date_of_service AS VARCHAR)) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND enrollment_finding = 'BEFORE_EFFECTIVE'
