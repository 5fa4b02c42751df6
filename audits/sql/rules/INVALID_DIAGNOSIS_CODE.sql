-- id: INVALID_DIAGNOSIS_CODE
-- title: Invalid diagnosis code
-- severity: error
-- category: coding
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: A diagnosis code is not a billable ICD-10-CM code.
-- action: Correct the diagnosis codes to billable (most specific) ICD-10-CM codes.
-- source: SPEC 4; CMS ICD-10-CM code set (April 2026 release, via simple-icd-10-cm)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('Not billable ICD-10-CM: ', bad_diagnoses) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND bad_diagnoses IS NOT NULL
