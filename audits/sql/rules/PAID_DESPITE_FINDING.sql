-- id: PAID_DESPITE_FINDING
-- title: Paid despite a credentialing problem
-- severity: error
-- category: remit
-- kind: remit
-- horizon: month
-- amount: paid
-- blocking: no
-- credentialing: no
-- description: The payer paid a line that has a credentialing finding: the payment can be recouped.
-- action: Confirm the provider's credentialing for the date of service; if the finding stands, set the payment aside and fix the enrollment before the payer audits it.
-- source: SPEC 4; payer overpayment recovery (e.g. CMS 42 CFR 405.371 suspension, offset and recoupment of Medicare payments)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' paid ', CAST(paid_amount AS VARCHAR),
           ' despite a credentialing finding: recoupment risk') AS detail
FROM line_remit_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND paid_amount > 0
    AND has_credentialing_finding
