"""WebRTC media: aiortc peers, packet forwarding and source switching; nothing about HTTP.

- ``router``: MediaRouter, the one object the signalling layer calls;
- ``peer``: one participant's RTCPeerConnection and its fixed slots;
- ``slots``: the slot convention clients follow, floor slot assignment;
- ``forwarding``: Fanout and ForwardingTrack (fan-out, drop-oldest, rebasing);
- ``receiver_hook``: encoded packets out of aiortc's receiver (pinned to aiortc 1.16.0);
- ``rendition``: the once-per-publisher 9 kbit/s, 60 ms rendition for low-data listeners;
- ``rtcp_pacing``: RTCP reports from one timer per process; none for idle slots, audio every 5 s
  (pinned to aiortc 1.16.0);
- ``ice``: ICE servers, TURN REST credentials, loopback and mDNS candidates;
- ``datause``: megabytes per hour for a bitrate and frame length, headers and RTCP included;
- ``tones``: sine tracks, frequency detection, WAV files for tests and the headless client.
"""
