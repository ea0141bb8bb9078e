"""common.close_codes: the numbers are RFC 6455's, which clients act on."""

from __future__ import annotations

from websockets.frames import CloseCode as RfcCloseCode

from common.close_codes import CloseCode


def test_each_code_is_the_rfc_code_of_the_same_meaning() -> None:
    rfc = {
        CloseCode.NORMAL: RfcCloseCode.NORMAL_CLOSURE,
        CloseCode.GOING_AWAY: RfcCloseCode.GOING_AWAY,
        CloseCode.UNSUPPORTED_DATA: RfcCloseCode.UNSUPPORTED_DATA,
        CloseCode.INVALID_PAYLOAD: RfcCloseCode.INVALID_DATA,
        CloseCode.POLICY_VIOLATION: RfcCloseCode.POLICY_VIOLATION,
        CloseCode.MESSAGE_TOO_BIG: RfcCloseCode.MESSAGE_TOO_BIG,
        CloseCode.INTERNAL_ERROR: RfcCloseCode.INTERNAL_ERROR,
        CloseCode.TRY_AGAIN_LATER: RfcCloseCode.TRY_AGAIN_LATER,
        CloseCode.NO_STATUS: RfcCloseCode.NO_STATUS_RCVD,
        CloseCode.ABNORMAL: RfcCloseCode.ABNORMAL_CLOSURE,
    }
    assert set(rfc) == set(CloseCode)
    assert all(int(ours) == int(theirs) for ours, theirs in rfc.items())
