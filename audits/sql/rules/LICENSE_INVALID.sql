-- id: LICENSE_INVALID
-- title: No state licence in force
-- severity: error
-- category: licensure
-- kind: line
-- horizon: month
-- amount: billed
-- blocking: yes
-- credentialing: yes
-- description: No state licence of the provider covers the date of service in the service state.
-- action: Hold the claim; renew or obtain the state licence (and update the roster) before billing.
-- source: SPEC 4; state medical board licensure requirements
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    CASE
        WHEN service_state IS NULL
            THEN concat('No state licence covers the date of service ', CAST(date_of_service AS VARCHAR))
        ELSE concat('No ', service_state, ' state licence covers the date of service ',
                    CAST(date_of_service AS VARCHAR))
    END AS detail
FROM line_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND license_invalid
