// String methods of the enum types: every value prints by its constant name.
// (TestEveryEnumHasString checks that no enum type lacks a String method.)

package missive

import "strconv"

// String gives the constant's name, e.g. "CalendarRequest"; an unknown value prints as CalendarMethod(N).
func (c CalendarMethod) String() string {
	switch c {
	case CalendarRequest:
		return "CalendarRequest"
	case CalendarCancel:
		return "CalendarCancel"
	}
	return "CalendarMethod(" + strconv.Itoa(int(c)) + ")"
}

// String gives the constant's name, e.g. "StatusConfirmed"; an unknown value prints as AppointmentStatus(N).
func (a AppointmentStatus) String() string {
	switch a {
	case StatusConfirmed:
		return "StatusConfirmed"
	case StatusTentative:
		return "StatusTentative"
	case StatusCancelled:
		return "StatusCancelled"
	}
	return "AppointmentStatus(" + strconv.Itoa(int(a)) + ")"
}

// String gives the constant's name, e.g. "RoleRequired"; an unknown value prints as AttendeeRole(N).
func (a AttendeeRole) String() string {
	switch a {
	case RoleRequired:
		return "RoleRequired"
	case RoleOptional:
		return "RoleOptional"
	case RoleResource:
		return "RoleResource"
	}
	return "AttendeeRole(" + strconv.Itoa(int(a)) + ")"
}

// String gives the constant's name, e.g. "FrequencyNone"; an unknown value prints as Frequency(N).
func (f Frequency) String() string {
	switch f {
	case FrequencyNone:
		return "FrequencyNone"
	case FrequencyDaily:
		return "FrequencyDaily"
	case FrequencyWeekly:
		return "FrequencyWeekly"
	case FrequencyMonthly:
		return "FrequencyMonthly"
	}
	return "Frequency(" + strconv.Itoa(int(f)) + ")"
}

// String gives the constant's name, e.g. "SecurityNone"; an unknown value prints as Security(N).
func (s Security) String() string {
	switch s {
	case SecurityNone:
		return "SecurityNone"
	case SecuritySSLExplicit:
		return "SecuritySSLExplicit"
	case SecuritySSLImplicit:
		return "SecuritySSLImplicit"
	case SecurityAuto:
		return "SecurityAuto"
	}
	return "Security(" + strconv.Itoa(int(s)) + ")"
}

// String gives the constant's name, e.g. "DeliveryNetwork"; an unknown value prints as DeliveryMethod(N).
func (d DeliveryMethod) String() string {
	switch d {
	case DeliveryNetwork:
		return "DeliveryNetwork"
	case DeliveryPickupDirectory:
		return "DeliveryPickupDirectory"
	}
	return "DeliveryMethod(" + strconv.Itoa(int(d)) + ")"
}

// String gives the constant's name, e.g. "To"; an unknown value prints as RecipientKind(N).
func (r RecipientKind) String() string {
	switch r {
	case To:
		return "To"
	case Cc:
		return "Cc"
	case Bcc:
		return "Bcc"
	case ReplyTo:
		return "ReplyTo"
	}
	return "RecipientKind(" + strconv.Itoa(int(r)) + ")"
}

// String gives the constant's name, e.g. "PartAttachment"; an unknown value prints as PartKind(N).
func (p PartKind) String() string {
	switch p {
	case PartAttachment:
		return "PartAttachment"
	case PartInlineResource:
		return "PartInlineResource"
	case PartAlternateView:
		return "PartAlternateView"
	}
	return "PartKind(" + strconv.Itoa(int(p)) + ")"
}

// String gives the constant's name, e.g. "FieldName"; an unknown value prints as PartField(N).
func (p PartField) String() string {
	switch p {
	case FieldName:
		return "FieldName"
	case FieldContentType:
		return "FieldContentType"
	case FieldContentID:
		return "FieldContentID"
	case FieldContent:
		return "FieldContent"
	case FieldCharset:
		return "FieldCharset"
	}
	return "PartField(" + strconv.Itoa(int(p)) + ")"
}

// String gives the constant's name, e.g. "PriorityNormal"; an unknown value prints as Priority(N).
func (p Priority) String() string {
	switch p {
	case PriorityNormal:
		return "PriorityNormal"
	case PriorityLow:
		return "PriorityLow"
	case PriorityHigh:
		return "PriorityHigh"
	}
	return "Priority(" + strconv.Itoa(int(p)) + ")"
}

// String gives the flags by name, joined with "|" (e.g. "DSNSuccess|DSNFailure").
func (n DSNNotify) String() string {
	if n == DSNDefault {
		return "DSNDefault"
	}
	if n == DSNNever {
		return "DSNNever"
	}
	s := ""
	rest := n
	for _, f := range []struct {
		flag DSNNotify
		name string
	}{{DSNSuccess, "DSNSuccess"}, {DSNFailure, "DSNFailure"}, {DSNDelay, "DSNDelay"}} {
		if rest&f.flag != 0 {
			if s != "" {
				s += "|"
			}
			s += f.name
			rest &^= f.flag
		}
	}
	if rest != 0 || s == "" {
		if s != "" {
			s += "|"
		}
		s += "DSNNotify(" + strconv.FormatUint(uint64(rest), 10) + ")"
	}
	return s
}

// String gives the constant's name, e.g. "DSNReturnDefault"; an unknown value prints as DSNReturn(N).
func (d DSNReturn) String() string {
	switch d {
	case DSNReturnDefault:
		return "DSNReturnDefault"
	case DSNReturnFull:
		return "DSNReturnFull"
	case DSNReturnHeaders:
		return "DSNReturnHeaders"
	}
	return "DSNReturn(" + strconv.Itoa(int(d)) + ")"
}

// String gives the constant's name, e.g. "AuthAuto"; an unknown value prints as AuthMechanism(N).
func (a AuthMechanism) String() string {
	switch a {
	case AuthAuto:
		return "AuthAuto"
	case AuthPlain:
		return "AuthPlain"
	case AuthLogin:
		return "AuthLogin"
	case AuthCramMD5:
		return "AuthCramMD5"
	case AuthXOAuth2:
		return "AuthXOAuth2"
	case AuthScramSHA256:
		return "AuthScramSHA256"
	case AuthScramSHA1:
		return "AuthScramSHA1"
	case AuthOAuthBearer:
		return "AuthOAuthBearer"
	}
	return "AuthMechanism(" + strconv.Itoa(int(a)) + ")"
}

// String gives the constant's name, e.g. "TLS12"; an unknown value prints as TLSVersion(N).
func (t TLSVersion) String() string {
	switch t {
	case TLS12:
		return "TLS12"
	case TLS13:
		return "TLS13"
	}
	return "TLSVersion(" + strconv.Itoa(int(t)) + ")"
}

// String gives the constant's name, e.g. "LogSent"; an unknown value prints as LogDirection(N).
func (l LogDirection) String() string {
	switch l {
	case LogSent:
		return "LogSent"
	case LogReceived:
		return "LogReceived"
	}
	return "LogDirection(" + strconv.Itoa(int(l)) + ")"
}

// String gives the constant's name, e.g. "ResultOK"; an unknown value prints as Result(N).
func (r Result) String() string {
	switch r {
	case ResultOK:
		return "ResultOK"
	case ResultNullArgument:
		return "ResultNullArgument"
	case ResultInvalidArgument:
		return "ResultInvalidArgument"
	case ResultInvalidUTF8:
		return "ResultInvalidUTF8"
	case ResultBufferTooSmall:
		return "ResultBufferTooSmall"
	case ResultPanic:
		return "ResultPanic"
	case ResultIndexOutOfRange:
		return "ResultIndexOutOfRange"
	case ResultNotFound:
		return "ResultNotFound"
	case ResultConnectFailed:
		return "ResultConnectFailed"
	case ResultTimeout:
		return "ResultTimeout"
	case ResultTLSFailed:
		return "ResultTLSFailed"
	case ResultCertificateInvalid:
		return "ResultCertificateInvalid"
	case ResultStartTLSNotOffered:
		return "ResultStartTLSNotOffered"
	case ResultConnectionLost:
		return "ResultConnectionLost"
	case ResultOutcomeUnknown:
		return "ResultOutcomeUnknown"
	case ResultServerRejected:
		return "ResultServerRejected"
	case ResultAuthFailed:
		return "ResultAuthFailed"
	case ResultAuthUnsupported:
		return "ResultAuthUnsupported"
	case ResultCredentialsRequireTLS:
		return "ResultCredentialsRequireTLS"
	case ResultAllRecipientsRejected:
		return "ResultAllRecipientsRejected"
	case ResultSomeRecipientsRejected:
		return "ResultSomeRecipientsRejected"
	case ResultProtocolError:
		return "ResultProtocolError"
	case ResultSMTPUTF8NotSupported:
		return "ResultSMTPUTF8NotSupported"
	case ResultMessageTooLarge:
		return "ResultMessageTooLarge"
	case ResultFileNotFound:
		return "ResultFileNotFound"
	case ResultPermissionDenied:
		return "ResultPermissionDenied"
	case ResultIO:
		return "ResultIO"
	case ResultMalformedEML:
		return "ResultMalformedEML"
	case ResultTruncatedEML:
		return "ResultTruncatedEML"
	case ResultMessageTooComplex:
		return "ResultMessageTooComplex"
	case ResultInvalidAddress:
		return "ResultInvalidAddress"
	case ResultInvalidHeader:
		return "ResultInvalidHeader"
	case ResultNoSender:
		return "ResultNoSender"
	case ResultNoRecipients:
		return "ResultNoRecipients"
	case ResultPickupDirectoryNotSet:
		return "ResultPickupDirectoryNotSet"
	case ResultHostNotSet:
		return "ResultHostNotSet"
	case ResultPartialFailure:
		return "ResultPartialFailure"
	case ResultPending:
		return "ResultPending"
	case ResultCancelled:
		return "ResultCancelled"
	case ResultQueueDirectoryNotSet:
		return "ResultQueueDirectoryNotSet"
	case ResultQueueBusy:
		return "ResultQueueBusy"
	case ResultQueueServerUnavailable:
		return "ResultQueueServerUnavailable"
	case ResultUnknownTimeZone:
		return "ResultUnknownTimeZone"
	case ResultIncompleteAppointment:
		return "ResultIncompleteAppointment"
	case ResultQueueURLInvalid:
		return "ResultQueueURLInvalid"
	case ResultQueueDatabaseUnavailable:
		return "ResultQueueDatabaseUnavailable"
	case ResultQueueDatabaseError:
		return "ResultQueueDatabaseError"
	case ResultProxyFailed:
		return "ResultProxyFailed"
	case ResultProxyRefused:
		return "ResultProxyRefused"
	case ResultProxyAuthFailed:
		return "ResultProxyAuthFailed"
	case ResultTokenProviderFailed:
		return "ResultTokenProviderFailed"
	case ResultDkimKeyInvalid:
		return "ResultDkimKeyInvalid"
	case ResultDkimSignerInvalid:
		return "ResultDkimSignerInvalid"
	case ResultDkimSigningFailed:
		return "ResultDkimSigningFailed"
	case ResultListUnsubscribeInvalid:
		return "ResultListUnsubscribeInvalid"
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// String gives the constant's name, e.g. "ForwardRedirect"; an unknown value prints as ForwardMode(N).
func (f ForwardMode) String() string {
	switch f {
	case ForwardRedirect:
		return "ForwardRedirect"
	case ForwardResend:
		return "ForwardResend"
	case ForwardAttach:
		return "ForwardAttach"
	}
	return "ForwardMode(" + strconv.Itoa(int(f)) + ")"
}

// String gives the constant's name, e.g. "BulkSent"; an unknown value prints as BulkStatus(N).
func (b BulkStatus) String() string {
	switch b {
	case BulkSent:
		return "BulkSent"
	case BulkFailed:
		return "BulkFailed"
	case BulkUnknown:
		return "BulkUnknown"
	case BulkNotAttempted:
		return "BulkNotAttempted"
	}
	return "BulkStatus(" + strconv.Itoa(int(b)) + ")"
}

// String gives the constant's name, e.g. "DkimRsaSha256"; an unknown value prints as DkimAlgorithm(N).
func (a DkimAlgorithm) String() string {
	switch a {
	case DkimRsaSha256:
		return "DkimRsaSha256"
	case DkimEd25519Sha256:
		return "DkimEd25519Sha256"
	}
	return "DkimAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// String names the flags that are set, e.g. "DkimHeaderSimple|DkimBodySimple"; 0 prints as
// "DkimRelaxed" (relaxed/relaxed canonicalization).
func (f DkimFlags) String() string {
	if f == 0 {
		return "DkimRelaxed"
	}
	s := ""
	rest := f
	for _, c := range []struct {
		flag DkimFlags
		name string
	}{{DkimHeaderSimple, "DkimHeaderSimple"}, {DkimBodySimple, "DkimBodySimple"}} {
		if rest&c.flag != 0 {
			if s != "" {
				s += "|"
			}
			s += c.name
			rest &^= c.flag
		}
	}
	if rest != 0 {
		if s != "" {
			s += "|"
		}
		s += "DkimFlags(" + strconv.FormatUint(uint64(rest), 10) + ")"
	}
	return s
}
