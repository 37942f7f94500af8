"""Live rooms: presence, signalling, breakouts and WebRTC media."""
