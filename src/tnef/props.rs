//! TNEF attribute ids and MAPI property tags (MS-OXTNEF 2.1.3, MS-OXPROPS).

/// The first four bytes of every TNEF stream.
pub const TNEF_SIGNATURE: u32 = 0x223E_9F78;

/// Attribute level of message attributes.
pub const LVL_MESSAGE: u8 = 0x01;
/// Attribute level of attachment attributes.
pub const LVL_ATTACHMENT: u8 = 0x02;

// Attribute ids: the attribute's type in the high word, its id in the low word.
pub const ATT_FROM: u32 = 0x0000_8000;
pub const ATT_SUBJECT: u32 = 0x0001_8004;
pub const ATT_DATE_SENT: u32 = 0x0003_8005;
pub const ATT_DATE_RECD: u32 = 0x0003_8006;
pub const ATT_MESSAGE_CLASS: u32 = 0x0007_8008;
pub const ATT_BODY: u32 = 0x0002_800C;
pub const ATT_PRIORITY: u32 = 0x0004_800D;
pub const ATT_ATTACH_DATA: u32 = 0x0006_800F;
pub const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
pub const ATT_ATTACH_MODIFY_DATE: u32 = 0x0003_8013;
pub const ATT_DATE_MODIFIED: u32 = 0x0003_8020;
pub const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
pub const ATT_MSG_PROPS: u32 = 0x0006_9003;
pub const ATT_RECIP_TABLE: u32 = 0x0006_9004;
pub const ATT_ATTACHMENT: u32 = 0x0006_9005;
pub const ATT_TNEF_VERSION: u32 = 0x0008_9006;
pub const ATT_OEM_CODEPAGE: u32 = 0x0006_9007;

// MAPI property types.
pub const PT_SHORT: u16 = 0x0002;
pub const PT_LONG: u16 = 0x0003;
pub const PT_FLOAT: u16 = 0x0004;
pub const PT_DOUBLE: u16 = 0x0005;
pub const PT_CURRENCY: u16 = 0x0006;
pub const PT_APPTIME: u16 = 0x0007;
pub const PT_ERROR: u16 = 0x000A;
pub const PT_BOOLEAN: u16 = 0x000B;
pub const PT_OBJECT: u16 = 0x000D;
pub const PT_I8: u16 = 0x0014;
pub const PT_STRING8: u16 = 0x001E;
pub const PT_UNICODE: u16 = 0x001F;
pub const PT_SYSTIME: u16 = 0x0040;
pub const PT_CLSID: u16 = 0x0048;
pub const PT_BINARY: u16 = 0x0102;
pub const MV_FLAG: u16 = 0x1000;

// MAPI property ids (the high word of a tag).
pub const PR_IMPORTANCE: u16 = 0x0017;
pub const PR_MESSAGE_CLASS: u16 = 0x001A;
pub const PR_PRIORITY: u16 = 0x0026;
pub const PR_SUBJECT: u16 = 0x0037;
pub const PR_CLIENT_SUBMIT_TIME: u16 = 0x0039;
pub const PR_SENT_REPRESENTING_NAME: u16 = 0x0042;
pub const PR_SENT_REPRESENTING_ADDRTYPE: u16 = 0x0064;
pub const PR_SENT_REPRESENTING_EMAIL_ADDRESS: u16 = 0x0065;
pub const PR_CONVERSATION_TOPIC: u16 = 0x0070;
pub const PR_TNEF_CORRELATION_KEY: u16 = 0x007F;
pub const PR_SENDER_NAME: u16 = 0x0C1A;
pub const PR_SENDER_ADDRTYPE: u16 = 0x0C1E;
pub const PR_SENDER_EMAIL_ADDRESS: u16 = 0x0C1F;
pub const PR_RECIPIENT_TYPE: u16 = 0x0C15;
pub const PR_DISPLAY_CC: u16 = 0x0E03;
pub const PR_DISPLAY_TO: u16 = 0x0E04;
pub const PR_MESSAGE_DELIVERY_TIME: u16 = 0x0E06;
pub const PR_NORMALIZED_SUBJECT: u16 = 0x0E1D;
pub const PR_ATTACH_SIZE: u16 = 0x0E20;
pub const PR_BODY: u16 = 0x1000;
pub const PR_RTF_COMPRESSED: u16 = 0x1009;
pub const PR_HTML: u16 = 0x1013;
pub const PR_INTERNET_MESSAGE_ID: u16 = 0x1035;
pub const PR_DISPLAY_NAME: u16 = 0x3001;
pub const PR_ADDRTYPE: u16 = 0x3002;
pub const PR_EMAIL_ADDRESS: u16 = 0x3003;
pub const PR_ATTACH_DATA: u16 = 0x3701;
pub const PR_ATTACH_EXTENSION: u16 = 0x3703;
pub const PR_ATTACH_FILENAME: u16 = 0x3704;
pub const PR_ATTACH_METHOD: u16 = 0x3705;
pub const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
pub const PR_RENDERING_POSITION: u16 = 0x370B;
pub const PR_ATTACH_MIME_TAG: u16 = 0x370E;
pub const PR_ATTACH_CONTENT_ID: u16 = 0x3712;
pub const PR_SMTP_ADDRESS: u16 = 0x39FE;
pub const PR_INTERNET_CPID: u16 = 0x3FDE;
