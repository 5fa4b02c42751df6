-- id: INVALID_POS
-- title: Invalid place of service
-- severity: warning
-- category: coding
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: The place of service is empty or not a CMS place-of-service code.
-- action: Enter the CMS place-of-service code where the service was performed.
-- source: SPEC 4; CMS Place of Service Code Set
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    CASE
        WHEN pos_missing THEN 'Place of service is empty'
        ELSE concat('Place of service ''', pos_text, ''' is not a CMS place-of-service code')
    END AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND invalid_pos
