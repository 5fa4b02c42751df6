-- line_credentials: for each (provider, service state, DOS) billed by a known provider, whether a
-- state licence and a board certification cover the DOS.
-- Why: SPEC 4 - a credential covers DOS when issue_date (if any) <= DOS <= expiration_date (open when
-- empty). LICENSE_INVALID needs a state_license covering the DOS in the service state (any state when
-- the line has none, keyed as ''); BOARD_CERT_EXPIRED only for providers who have board
-- certifications at all. license_expires: when the soonest covering licence ends (empty when
-- open-ended or none covers).

WITH

-- import
keys AS (
    SELECT DISTINCT rendering_npi AS npi, coalesce(service_state, '') AS state_key, date_of_service
    FROM line_base
    WHERE known_provider
),

credential_rows AS (
    SELECT
        trim(npi) AS npi,
        credential_type,
        upper(trim(coalesce(state, ''))) AS state,
        issue_date,
        expiration_date
    FROM credentials
    WHERE credential_type IN ('state_license', 'board_certification')
),

-- logic
judged AS (
    SELECT
        k.npi,
        k.state_key,
        k.date_of_service,
        c.credential_type,
        c.expiration_date,
        c.npi IS NOT NULL
            AND (c.issue_date IS NULL OR c.issue_date <= k.date_of_service)
            AND (c.expiration_date IS NULL OR k.date_of_service <= c.expiration_date) AS covers,
        k.state_key = '' OR c.state = k.state_key AS right_state
    FROM keys AS k
    LEFT JOIN credential_rows AS c ON c.npi = k.npi
),

final AS (
    SELECT
        npi,
        state_key,
        date_of_service,
        max(CASE WHEN credential_type = 'state_license' AND covers AND right_state THEN 1 ELSE 0 END) = 0
            AS license_invalid,
        -- the soonest expiry among the licences that cover (open-ended ones have none): not a rule of
        -- its own; the clearance matrix shows it beside LICENSE_INVALID's verdict (audits.profiles)
        min(CASE WHEN credential_type = 'state_license' AND covers AND right_state THEN expiration_date END)
            AS license_expires,
        max(CASE WHEN credential_type = 'board_certification' THEN 1 ELSE 0 END) = 1
            AND max(CASE WHEN credential_type = 'board_certification' AND covers THEN 1 ELSE 0 END) = 0
            AS board_cert_expired
    FROM judged
    GROUP BY npi, state_key, date_of_service
)

SELECT * FROM final
