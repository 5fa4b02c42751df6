-- id: NOT_ENROLLED
-- title: Not enrolled with the payer
-- severity: error
-- category: enrollment
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- enrollment_order: 4
-- description: The provider has no enrollment at all with the claim's payer.
-- action: Do not bill this payer under this provider; start an enrollment application or bill under an enrolled provider.
-- source: SPEC 4
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('No ', payer_label, ' enrollment on file for this provider') AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND enrollment_finding = 'NOT_ENROLLED'
