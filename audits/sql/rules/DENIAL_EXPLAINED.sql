-- id: DENIAL_EXPLAINED
-- title: Credentialing denial the roster explains
-- severity: info
-- category: remit
-- kind: remit
-- horizon: month
-- amount: billed
-- blocking: no
-- credentialing: no
-- description: The payer denied the line for credentialing, and the roster explains why (the line has a blocking finding).
-- action: Fix the credentialing problem the line's other findings name, then correct and resubmit or appeal within the payer's timely-filing limit.
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
           '); the roster predicts it') AS detail
FROM line_remit_facts
WHERE date_of_service BETWEEN $month_start AND $month_end
    AND denied_for_credentialing
    AND has_blocking_finding
