"""The C ABI of libmissive, declared for ctypes: every function of include/missive.h.

This module is the whole contract with the library: the types below are the header's, one
entry per function (tests/test_native.py checks each against the header, and names any
function the header has and this table lacks, with the line to add). The rest of the package
calls the library only through `lib`.

ctypes' CDLL releases the GIL for the duration of every foreign call, so network work in the
library runs while other Python threads run; CFUNCTYPE callbacks take the GIL again.
"""
from __future__ import annotations

import ctypes
import enum
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_int32, c_int64,
                    c_size_t, c_uint16, c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Tuple


class Progress(Structure):
    """`missive_progress`: how far a collection send is."""
    _fields_ = [("done", c_size_t), ("sent", c_size_t), ("failed", c_size_t),
                ("total", c_size_t), ("bytes_sent", c_uint64), ("bytes_total", c_uint64)]


class QueueDrainCounts(Structure):
    """`missive_queue_drain_counts`: what a queue drain did."""
    _fields_ = [("delivered", c_size_t), ("deferred", c_size_t), ("dead_lettered", c_size_t),
                ("recovered", c_size_t), ("remaining", c_size_t)]


class QueueCounts(Structure):
    """`missive_queue_counts`: the state of a queue directory."""
    _fields_ = [("queued", c_size_t), ("due", c_size_t), ("in_flight", c_size_t),
                ("dead_lettered", c_size_t), ("next_attempt_unix_ms", c_uint64)]


missive_progress_cb = CFUNCTYPE(c_int32, c_void_p, POINTER(Progress))
missive_userdata_free_cb = CFUNCTYPE(None, c_void_p)
missive_log_cb = CFUNCTYPE(None, c_void_p, c_int32, POINTER(ctypes.c_char), c_size_t)
missive_read_cb = CFUNCTYPE(c_int64, c_void_p, c_void_p, c_size_t)
missive_completion_cb = CFUNCTYPE(None, c_void_p, c_int32, c_void_p)
missive_token_cb = CFUNCTYPE(c_int32, c_void_p, c_bool, c_void_p, c_size_t, POINTER(c_size_t))

# name -> (restype, argtypes), in the header's order.
FUNCTIONS: Dict[str, Tuple[Any, List[Any]]] = {
    "missive_version": (c_char_p, []),
    "missive_test_panic": (c_int32, []),
    "missive_appointment_new": (c_void_p, []),
    "missive_appointment_free": (None, [c_void_p]),
    "missive_appointment_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_appointment_set_text": (c_int32, [c_void_p, c_int32, c_char_p, c_size_t]),
    "missive_appointment_uid": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_appointment_increment_sequence": (c_int32, [c_void_p, POINTER(c_uint32)]),
    "missive_appointment_set_organizer": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_appointment_add_attendee": (c_int32, [c_void_p, c_char_p, c_size_t, c_int32, c_bool]),
    "missive_appointment_set_times_utc": (c_int32, [c_void_p, c_int64, c_int64]),
    "missive_appointment_set_times_local": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_int32), POINTER(c_int32)]),
    "missive_appointment_set_all_day": (c_int32, [c_void_p, c_int32, c_uint32, c_uint32, c_uint32]),
    "missive_appointment_set_recurrence": (c_int32, [c_void_p, c_int32, c_uint32, c_uint32, c_int64]),
    "missive_appointment_set_reminder": (c_int32, [c_void_p, c_int32]),
    "missive_appointment_set_status": (c_int32, [c_void_p, c_int32]),
    "missive_appointment_to_ics": (c_int32, [c_void_p, c_int32, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_add_appointment": (c_int32, [c_void_p, c_void_p, c_int32, c_bool]),
    "missive_bulk_result_free": (None, [c_void_p]),
    "missive_bulk_result_len": (c_size_t, [c_void_p]),
    "missive_bulk_result_count": (c_size_t, [c_void_p, c_int32]),
    "missive_bulk_result_code": (c_int32, [c_void_p]),
    "missive_bulk_result_was_cancelled": (c_bool, [c_void_p]),
    "missive_bulk_result_item": (c_int32, [c_void_p, c_size_t, POINTER(c_int32), POINTER(c_int32)]),
    "missive_bulk_result_get": (c_void_p, [c_void_p, c_size_t]),
    "missive_bulk_result_message_error": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_bulk_result_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_client_set_multi_connection": (c_int32, [c_void_p, c_bool]),
    "missive_client_set_connections": (c_int32, [c_void_p, c_size_t]),
    "missive_client_set_batch_size": (c_int32, [c_void_p, c_size_t]),
    "missive_client_set_retry_policy": (c_int32, [c_void_p, c_uint32, c_bool]),
    "missive_client_set_progress_callback": (c_int32, [c_void_p, missive_progress_cb, c_void_p, missive_userdata_free_cb]),
    "missive_client_new": (c_void_p, []),
    "missive_client_free": (None, [c_void_p]),
    "missive_client_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_client_set_host": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_port": (c_int32, [c_void_p, c_uint16]),
    "missive_client_set_username": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_password": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_security": (c_int32, [c_void_p, c_int32]),
    "missive_client_set_delivery_method": (c_int32, [c_void_p, c_int32]),
    "missive_client_set_pickup_directory": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_send": (c_int32, [c_void_p, c_void_p, POINTER(c_void_p)]),
    "missive_client_send_collection": (c_int32, [c_void_p, c_void_p, POINTER(c_void_p)]),
    "missive_client_set_url": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_oauth2_token": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_auth_mechanism": (c_int32, [c_void_p, c_int32]),
    "missive_client_set_client_name": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_timeouts": (c_int32, [c_void_p, c_uint32, c_uint32]),
    "missive_client_set_total_timeout": (c_int32, [c_void_p, c_uint64]),
    "missive_client_set_ca_file": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_client_certificate": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_client_set_min_tls_version": (c_int32, [c_void_p, c_int32]),
    "missive_client_dangerous_accept_invalid_certs": (c_int32, [c_void_p, c_bool]),
    "missive_client_set_pipelining": (c_int32, [c_void_p, c_bool]),
    "missive_client_set_require_all_recipients": (c_int32, [c_void_p, c_bool]),
    "missive_client_set_protocol_log": (c_int32, [c_void_p, missive_log_cb, c_void_p, missive_userdata_free_cb]),
    "missive_client_set_protocol_log_connection_numbers": (c_int32, [c_void_p, c_bool]),
    "missive_client_send_raw": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_void_p)]),
    "missive_client_noop": (c_int32, [c_void_p]),
    "missive_client_validate_credentials": (c_int32, [c_void_p]),
    "missive_client_capabilities": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_client_close": (c_int32, [c_void_p]),
    "missive_message_collection_new": (c_void_p, []),
    "missive_message_collection_free": (None, [c_void_p]),
    "missive_message_collection_add": (c_int32, [c_void_p, c_void_p]),
    "missive_message_collection_len": (c_size_t, [c_void_p]),
    "missive_message_collection_get": (c_void_p, [c_void_p, c_size_t]),
    "missive_message_collection_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_client_set_forward_sender": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_forward": (c_int32, [c_void_p, c_void_p, c_int32, c_char_p, c_size_t, POINTER(c_void_p)]),
    "missive_client_forward_file": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_void_p)]),
    "missive_client_forward_fd": (c_int32, [c_void_p, c_int32, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_void_p)]),
    "missive_client_forward_stream": (c_int32, [c_void_p, missive_read_cb, c_void_p, c_int64, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_void_p)]),
    "missive_message_new": (c_void_p, []),
    "missive_message_clone": (c_void_p, [c_void_p]),
    "missive_message_free": (None, [c_void_p]),
    "missive_message_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_load_file": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_load_bytes": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_set_strict_loading": (c_int32, [c_void_p, c_bool]),
    "missive_message_load_warnings": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_save_file": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_save_buffer": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_from": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_set_sender": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_add_recipients": (c_int32, [c_void_p, c_int32, c_char_p, c_size_t]),
    "missive_message_clear_recipients": (c_int32, [c_void_p, c_int32]),
    "missive_message_recipient_count": (c_size_t, [c_void_p, c_int32]),
    "missive_message_recipient": (c_int32, [c_void_p, c_int32, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_from": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_subject": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_subject": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_body": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_body": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_html_body": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_html_body": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_is_body_html": (c_int32, [c_void_p, c_bool]),
    "missive_message_is_body_html": (c_bool, [c_void_p]),
    "missive_message_add_alternate_view": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_message_add_attachment": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_message_add_attachment_file": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_message_add_inline_resource": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_message_part_count": (c_size_t, [c_void_p, c_int32]),
    "missive_message_part_field": (c_int32, [c_void_p, c_int32, c_size_t, c_int32, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_add_header": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "missive_message_header": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_priority": (c_int32, [c_void_p, c_int32]),
    "missive_message_set_date": (c_int32, [c_void_p, c_int64, c_int32]),
    "missive_message_set_message_id": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_message_id": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_set_delivery_notification": (c_int32, [c_void_p, c_uint32, c_int32, c_char_p, c_size_t]),
    "missive_message_needs_smtputf8": (c_bool, [c_void_p]),
    "missive_client_send_async": (c_int32, [c_void_p, c_void_p, missive_completion_cb, c_void_p, missive_userdata_free_cb, POINTER(c_void_p)]),
    "missive_client_send_collection_async": (c_int32, [c_void_p, c_void_p, missive_completion_cb, c_void_p, missive_userdata_free_cb, POINTER(c_void_p)]),
    "missive_operation_wait": (c_int32, [c_void_p, c_int64]),
    "missive_operation_cancel": (c_int32, [c_void_p]),
    "missive_operation_is_done": (c_bool, [c_void_p]),
    "missive_operation_result_code": (c_int32, [c_void_p]),
    "missive_operation_result": (c_void_p, [c_void_p]),
    "missive_operation_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_operation_free": (None, [c_void_p]),
    "missive_message_load_pickup_file": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_message_envelope_sender": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_envelope_recipient_count": (c_size_t, [c_void_p]),
    "missive_message_envelope_recipient": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_message_clear_envelope": (c_int32, [c_void_p]),
    "missive_client_set_queue_directory": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_queue_retry": (c_int32, [c_void_p, c_uint64, c_uint64, c_uint32]),
    "missive_client_send_to_queue": (c_int32, [c_void_p, c_void_p]),
    "missive_client_drain_queue": (c_int32, [c_void_p, c_size_t, c_uint64, POINTER(QueueDrainCounts)]),
    "missive_client_queue_state": (c_int32, [c_void_p, POINTER(QueueCounts)]),
    "missive_client_queue_list": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_result_str": (c_char_p, [c_int32]),
    "missive_send_result_free": (None, [c_void_p]),
    "missive_send_result_delivered": (c_bool, [c_void_p]),
    "missive_send_result_is_transient": (c_bool, [c_void_p]),
    "missive_send_result_outcome_unknown": (c_bool, [c_void_p]),
    "missive_send_result_reply_code": (c_uint16, [c_void_p]),
    "missive_send_result_code": (c_int32, [c_void_p]),
    "missive_send_result_detail": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_send_result_text": (c_int32, [c_void_p, c_int32, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_send_result_accepted_count": (c_size_t, [c_void_p]),
    "missive_send_result_accepted": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_send_result_rejected_count": (c_size_t, [c_void_p]),
    "missive_send_result_rejected": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t), POINTER(c_uint16)]),
    "missive_send_result_rejected_reply": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_send_result_error": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "missive_client_set_use_tnef": (c_int32, [c_void_p, c_bool]),
    "missive_message_set_use_tnef": (c_int32, [c_void_p, c_bool]),
    "missive_message_use_tnef": (c_bool, [c_void_p]),
    "missive_client_add_dkim_signer": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int32, c_uint32]),
    "missive_client_add_dkim_signer_file": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int32, c_uint32]),
    "missive_client_clear_dkim_signers": (c_int32, [c_void_p]),
    "missive_client_dkim_signer_count": (c_size_t, [c_void_p]),
    "missive_client_set_queue_url": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_queue_lease": (c_int32, [c_void_p, c_uint64]),
    "missive_client_set_queue_idempotent": (c_int32, [c_void_p, c_bool]),
    "missive_client_set_token_provider": (c_int32, [c_void_p, missive_token_cb, c_void_p, missive_userdata_free_cb]),
    "missive_client_set_proxy": (c_int32, [c_void_p, c_char_p, c_size_t]),
    "missive_client_set_chunking": (c_int32, [c_void_p, c_bool]),
    "missive_message_set_list_unsubscribe": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_bool]),
}


class Result(enum.IntEnum):
    """`missive_result` of missive.h."""
    OK = 0
    NULL_ARGUMENT = 1
    INVALID_ARGUMENT = 2
    INVALID_UTF8 = 3
    BUFFER_TOO_SMALL = 4
    PANIC = 5
    INDEX_OUT_OF_RANGE = 6
    NOT_FOUND = 7
    PENDING = 20
    CANCELLED = 21
    CONNECT_FAILED = 100
    TIMEOUT = 101
    TLS_FAILED = 102
    CERTIFICATE_INVALID = 103
    START_TLS_NOT_OFFERED = 104
    CONNECTION_LOST = 105
    OUTCOME_UNKNOWN = 106
    PROXY_FAILED = 110
    PROXY_REFUSED = 111
    PROXY_AUTH_FAILED = 112
    SERVER_REJECTED = 200
    AUTH_FAILED = 201
    AUTH_UNSUPPORTED = 202
    CREDENTIALS_REQUIRE_TLS = 203
    ALL_RECIPIENTS_REJECTED = 204
    SOME_RECIPIENTS_REJECTED = 205
    PROTOCOL_ERROR = 206
    SMTP_UTF8_NOT_SUPPORTED = 207
    MESSAGE_TOO_LARGE = 208
    TOKEN_PROVIDER_FAILED = 210
    FILE_NOT_FOUND = 300
    PERMISSION_DENIED = 301
    IO = 302
    MALFORMED_EML = 303
    TRUNCATED_EML = 304
    MESSAGE_TOO_COMPLEX = 305
    INVALID_ADDRESS = 400
    INVALID_HEADER = 401
    NO_SENDER = 402
    NO_RECIPIENTS = 403
    PICKUP_DIRECTORY_NOT_SET = 500
    HOST_NOT_SET = 501
    NETWORK_UNAVAILABLE = 502
    PARTIAL_FAILURE = 503
    QUEUE_DIRECTORY_NOT_SET = 550
    QUEUE_BUSY = 551
    QUEUE_SERVER_UNAVAILABLE = 552
    QUEUE_URL_INVALID = 553
    QUEUE_DATABASE_UNAVAILABLE = 554
    QUEUE_DATABASE_ERROR = 555
    UNKNOWN_TIME_ZONE = 600
    INCOMPLETE_APPOINTMENT = 601
    DKIM_KEY_INVALID = 700
    DKIM_SIGNER_INVALID = 701
    DKIM_SIGNING_FAILED = 702
    LIST_UNSUBSCRIBE_INVALID = 703


class DkimAlgorithm(enum.IntEnum):
    """`missive_dkim_algorithm` of missive.h."""
    RSA_SHA256 = 0
    ED25519_SHA256 = 1


class DkimFlags(enum.IntFlag):
    """`missive_dkim_flags` of missive.h: 0 is relaxed/relaxed canonicalization."""
    DEFAULT = 0
    HEADER_SIMPLE = 1
    BODY_SIMPLE = 2


class Security(enum.IntEnum):
    """`missive_security` of missive.h."""
    NONE = 0
    SSL_EXPLICIT = 1
    SSL_IMPLICIT = 2
    AUTO = 3


class DeliveryMethod(enum.IntEnum):
    """`missive_delivery_method` of missive.h."""
    NETWORK = 0
    PICKUP_DIRECTORY = 1


class RecipientKind(enum.IntEnum):
    """`missive_recipient_kind` of missive.h."""
    TO = 0
    CC = 1
    BCC = 2
    REPLY_TO = 3


class PartKind(enum.IntEnum):
    """`missive_part_kind` of missive.h."""
    ATTACHMENT = 0
    INLINE_RESOURCE = 1
    ALTERNATE_VIEW = 2


class PartField(enum.IntEnum):
    """`missive_part_field` of missive.h."""
    NAME = 0
    CONTENT_TYPE = 1
    CONTENT_ID = 2
    CONTENT = 3
    CHARSET = 4


class Priority(enum.IntEnum):
    """`missive_priority` of missive.h."""
    NORMAL = 0
    LOW = 1
    HIGH = 2


class DsnNotify(enum.IntEnum):
    """`missive_dsn_notify` of missive.h."""
    DEFAULT = 0
    SUCCESS = 1
    FAILURE = 2
    DELAY = 4
    NEVER = 8


class DsnRet(enum.IntEnum):
    """`missive_dsn_ret` of missive.h."""
    DEFAULT = 0
    FULL = 1
    HEADERS = 2


class AttendeeRole(enum.IntEnum):
    """`missive_attendee_role` of missive.h."""
    REQUIRED = 0
    OPTIONAL = 1
    RESOURCE = 2


class CalendarMethod(enum.IntEnum):
    """`missive_calendar_method` of missive.h."""
    REQUEST = 0
    CANCEL = 1


class RecurrenceFrequency(enum.IntEnum):
    """`missive_recurrence_frequency` of missive.h."""
    NONE = 0
    DAILY = 1
    WEEKLY = 2
    MONTHLY = 3


class AppointmentStatus(enum.IntEnum):
    """`missive_appointment_status` of missive.h."""
    CONFIRMED = 0
    TENTATIVE = 1
    CANCELLED = 2


class AppointmentText(enum.IntEnum):
    """`missive_appointment_text` of missive.h."""
    SUMMARY = 0
    DESCRIPTION = 1
    LOCATION = 2
    UID = 3


class SendResultField(enum.IntEnum):
    """`missive_send_result_field` of missive.h."""
    REPLY_TEXT = 0
    ENHANCED_CODE = 1
    QUEUE_ID = 2
    PICKUP_PATH = 3


class AuthMechanism(enum.IntEnum):
    """`missive_auth_mechanism` of missive.h."""
    AUTO = 0
    PLAIN = 1
    LOGIN = 2
    CRAM_MD5 = 3
    XOAUTH2 = 4
    SCRAM_SHA256 = 5
    SCRAM_SHA1 = 6
    OAUTHBEARER = 7


class TlsVersion(enum.IntEnum):
    """`missive_tls_version` of missive.h."""
    TLS12 = 0
    TLS13 = 1


class LogDirection(enum.IntEnum):
    """`missive_log_direction` of missive.h."""
    SENT = 0
    RECEIVED = 1


class ForwardMode(enum.IntEnum):
    """`missive_forward_mode` of missive.h."""
    REDIRECT = 0
    RESEND = 1
    ATTACH = 2


class BulkStatus(enum.IntEnum):
    """`missive_bulk_status` of missive.h."""
    SENT = 0
    FAILED = 1
    UNKNOWN = 2
    NOT_ATTEMPTED = 3



def _candidates() -> List[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    names = {"linux": ["libmissive.so"], "darwin": ["libmissive.dylib"],
             "win32": ["missive.dll"]}.get(sys.platform, ["libmissive.so"])
    found = []
    env = os.environ.get("MISSIVE_LIBRARY")
    if env:
        return [env]  # an explicit choice is the only one tried
    found += [os.path.join(here, n) for n in names]
    found += names  # the system's search path (LD_LIBRARY_PATH, ldconfig)
    return found


def _load() -> ctypes.CDLL:
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    raise ImportError("missive: cannot load the missive library; tried " + "; ".join(errors)
                      + " (install the package with pip, which builds it, or set MISSIVE_LIBRARY"
                      " to the path of libmissive.so)")


def _declare(dll: ctypes.CDLL) -> ctypes.CDLL:
    missing = []
    for name, (restype, argtypes) in FUNCTIONS.items():
        try:
            f = getattr(dll, name)
        except AttributeError:
            missing.append(name)
            continue
        f.restype = restype
        f.argtypes = argtypes
    if missing:
        raise ImportError("missive: the library at %s lacks %s: it is older than this package"
                          % (dll._name, ", ".join(missing)))
    return dll


lib = _declare(_load())
