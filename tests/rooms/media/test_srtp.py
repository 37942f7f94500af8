"""rooms.media.srtp: SRTP protection into the session's buffer, as pylibsrtp's would be."""

import os
import struct
from importlib.metadata import version

import pytest
from pylibsrtp import Policy, Session

from rooms.media import srtp
from rooms.media.srtp import Protector, SrtpError, check_srtp

pytestmark = pytest.mark.unit

PROFILES = [Policy.SRTP_PROFILE_AES128_CM_SHA1_80, Policy.SRTP_PROFILE_AEAD_AES_128_GCM]


def sessions(profile: int) -> tuple[Session, Session, Session]:
    """Two outbound sessions with one key (ours, pylibsrtp's) and the inbound one."""
    key = os.urandom(30 if profile == Policy.SRTP_PROFILE_AES128_CM_SHA1_80 else 28)

    def session(ssrc_type: int) -> Session:
        policy = Policy(ssrc_type=ssrc_type, srtp_profile=profile)
        policy.key = key  # after the profile, which sets the key's length
        return Session(policy)

    ours, theirs = session(Policy.SSRC_ANY_OUTBOUND), session(Policy.SSRC_ANY_OUTBOUND)
    return ours, theirs, session(Policy.SSRC_ANY_INBOUND)


def test_the_installed_pylibsrtp_is_the_pinned_one():
    assert version("pylibsrtp") == srtp.PINNED_PYLIBSRTP_VERSION, (
        "rooms/media/srtp.py is pinned to pylibsrtp 1.0.0: re-read Session.__process"
    )
    check_srtp(Session(Policy(os.urandom(30), Policy.SSRC_ANY_OUTBOUND)))


def test_a_session_without_the_attributes_used_is_refused():
    with pytest.raises(SrtpError, match="_cdata"):
        check_srtp(object())


@pytest.mark.parametrize("profile", PROFILES)
def test_packets_are_byte_identical_to_pylibsrtps_and_decrypt(profile):
    ours, theirs, inbound = sessions(profile)
    protector = Protector(ours)
    for number, size in enumerate((1, 40, 1296, 1300, 200, 0)):
        head = struct.pack("!BBHLL", 0x80, 96, 65530 + number & 0xFFFF, 90000 * number, 7)
        body = os.urandom(size)
        length = protector.protect(head, body)
        protected = bytes(protector.view[:length])
        assert protected == theirs.protect(head + body)
        assert inbound.unprotect(protected) == head + body


def test_a_packet_longer_than_the_buffer_is_refused():
    protector = Protector(Session(Policy(os.urandom(30), Policy.SSRC_ANY_OUTBOUND)))
    with pytest.raises(ValueError, match="too long"):
        protector.protect(bytes(12), bytes(1500))
