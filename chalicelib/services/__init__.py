"""The application layer: one function per use case, given the bundle of ports (`ports.Ports`).

Routes, the SQS consumer and the schedules call these and nothing below them.
"""
