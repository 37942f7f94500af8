"""Automatic captions: a session's floor, decoded once in a worker process and recognised by Whisper.

Modules: ``model`` (which model, its checksum), ``chunker`` (phrases by voice activity),
``backlog`` (pause rather than lag), ``recogniser`` (the ``CaptionProvider`` interface and
faster-whisper), ``worker`` (the process), ``tap`` (the floor's packets to the worker) and
``extension`` (rooms, messages, precedence of human captioners).
"""
