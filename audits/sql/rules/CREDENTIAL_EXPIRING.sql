-- id: CREDENTIAL_EXPIRING
-- title: Credential expiring within 90 days
-- severity: warning
-- category: roster
-- kind: provider
-- horizon: ahead
-- amount: provider_billed_90d
-- blocking: no
-- credentialing: no
-- description: A state licence, board certification, DEA registration or malpractice policy of an active provider expires within 90 days after month end, with no renewal on file.
-- action: Start the renewal now and add the renewed credential to the roster before it expires.
-- source: SPEC 4; state board / DEA / carrier renewal cycles (90-day look-ahead)
-- Why: a credential expiring in (month_end, month_end + 90 days] is a warning unless another
-- credential of the same type (and state) already covers month_end + 91 days (the renewal).

WITH

-- import
active_providers AS (
    SELECT npi FROM stg_providers WHERE active
),

credential_rows AS (
    SELECT
        trim(npi) AS npi,
        credential_type,
        coalesce(credential_label, credential_type) AS label,
        coalesce(number, '') AS number,
        upper(trim(coalesce(state, ''))) AS state,
        issue_date,
        expiration_date
    FROM credentials
    WHERE credential_type IN ('state_license', 'board_certification', 'dea', 'malpractice')
),

-- logic
expiring AS (
    SELECT c.*
    FROM credential_rows AS c
    INNER JOIN active_providers AS p ON p.npi = c.npi
    WHERE c.expiration_date > $month_end
        AND c.expiration_date <= CAST($month_end + INTERVAL 90 DAY AS DATE)
),

renewed AS (
    SELECT DISTINCT e.npi, e.credential_type, e.state, e.number, e.expiration_date
    FROM expiring AS e
    INNER JOIN credential_rows AS r
        ON r.npi = e.npi AND r.credential_type = e.credential_type AND r.state = e.state
    WHERE (r.issue_date IS NULL OR r.issue_date <= CAST($month_end + INTERVAL 91 DAY AS DATE))
        AND (r.expiration_date IS NULL OR r.expiration_date >= CAST($month_end + INTERVAL 91 DAY AS DATE))
),

final AS (
    SELECT
        CAST(NULL AS VARCHAR) AS claim_id,
        CAST(NULL AS INTEGER) AS line_no,
        e.npi AS rendering_npi,
        CAST(NULL AS VARCHAR) AS payer_id,
        CAST(NULL AS VARCHAR) AS procedure_code,
        CAST(NULL AS DATE) AS date_of_service,
        concat_ws('|', e.credential_type, e.state, e.number, CAST(e.expiration_date AS VARCHAR)) AS subject,
        concat(
            CASE e.credential_type
                WHEN 'state_license' THEN 'State licence'
                WHEN 'board_certification' THEN 'Board certification'
                WHEN 'dea' THEN 'DEA registration'
                ELSE 'Malpractice policy'
            END,
            CASE WHEN e.state <> '' THEN concat(' ', e.state) ELSE '' END,
            CASE WHEN e.number <> '' THEN concat(' ', e.number) ELSE '' END,
            ' expires ', CAST(e.expiration_date AS VARCHAR), '; no renewal on file'
        ) AS detail,
        -- for the 90-day action list (audits.profiles), not part of the finding
        concat(e.credential_type, CASE WHEN e.state <> '' THEN concat(' ', e.state) ELSE '' END) AS what,
        e.expiration_date AS due_date
    FROM expiring AS e
    LEFT JOIN renewed AS r
        ON r.npi = e.npi AND r.credential_type = e.credential_type AND r.state = e.state
        AND r.number = e.number AND r.expiration_date = e.expiration_date
    WHERE r.npi IS NULL
)

SELECT * FROM final
