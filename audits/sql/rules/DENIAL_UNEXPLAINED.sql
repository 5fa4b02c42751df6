-- id: DENIAL_UNEXPLAINED
-- title: Credentialing denial the roster does not explain
-- severity: error
-- category: remit
-- kind: remit
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: The payer denied the line for credentialing, but the roster shows no blocking problem: the roster or the payer's file is wrong.
-- action: Compare the roster with the payer's provider file (enrollment dates, NPI, scope) and have the payer correct its file, or correct the roster.
-- source: SPEC 4; X12 835 CARC/RARC code lists (credentialing categories in data/reference/carc_codes.csv)
SELECT
    claim_id,
    line_no,
    rendering_npi,
    payer_id,
    procedure_code,
    date_of_service,
    CAST(NULL AS VARCHAR) AS subject,
    concat(payer_label, ' denied the line for credentialing (', coalesce(credentialing_adjustment, '?'),
           ') but the roster shows no problem') AS detail
FROM line_remit_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND denied_for_credentialing
    AND NOT has_blocking_finding
