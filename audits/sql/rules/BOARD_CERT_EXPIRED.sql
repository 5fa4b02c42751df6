-- id: BOARD_CERT_EXPIRED
-- title: Board certification lapsed
-- severity: warning
-- category: licensure
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: The provider has board certifications but none covers the date of service.
-- action: Update the board certification in the roster, or confirm the payer does not require it.
-- source: SPEC 4; payer credentialing standards (e.g. NCQA CR board certification verification)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat('No board certification covers the date of service ', CAST(date_of_service AS VARCHAR)) AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND board_cert_expired
