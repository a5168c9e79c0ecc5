//! A Server-Sent Events reader (WHATWG HTML §9.2.6, "interpreting an event stream"), bounded: a line or an
//! event's data longer than [`MAX_LINE`] ends the stream. Lines end with LF or CRLF (a lone CR, allowed by
//! the spec, is not used by any server we read and is treated as part of the line).

/// The most one line, or one event's data, may weigh.
pub const MAX_LINE: usize = 64 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `message` when the event named no type.
    pub event: String,
    pub data: String,
    /// The `id:` field, when the event had one.
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    event: String,
    data: String,
    id: Option<String>,
    has_data: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event stream line or event is longer than {MAX_LINE} bytes")]
pub struct TooLong;

impl SseParser {
    /// Feeds bytes as they arrive; returns the events they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Frame>, TooLong> {
        let mut frames = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                if self.line.len() >= MAX_LINE {
                    return Err(TooLong);
                }
                self.line.push(b);
                continue;
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(frame) = self.line_done(&String::from_utf8_lossy(&line))? {
                frames.push(frame);
            }
        }
        Ok(frames)
    }

    fn line_done(&mut self, line: &str) -> Result<Option<Frame>, TooLong> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_LINE {
                    return Err(TooLong);
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<Frame> {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        let id = self.id.take();
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(Frame { event: if event.is_empty() { "message".to_owned() } else { event }, data, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WHATWG HTML §9.2.6: fields, comments, multi-line data, CRLF, and events split across reads.
    #[test]
    fn events_are_read_whatever_the_chunking() {
        let stream = b": keep-alive\n\nevent: token-revoked\r\ndata: {\"jti\":\"a\",\r\ndata:\"exp\":1}\r\nid: 7\r\n\r\ndata: plain\n\nevent: empty\n\n";
        let want = vec![
            Frame { event: "token-revoked".into(), data: "{\"jti\":\"a\",\n\"exp\":1}".into(), id: Some("7".into()) },
            Frame { event: "message".into(), data: "plain".into(), id: None },
        ];
        for size in [1, 2, 5, stream.len()] {
            let mut parser = SseParser::default();
            let frames: Vec<Frame> = stream.chunks(size).flat_map(|c| parser.push(c).unwrap()).collect();
            assert_eq!(frames, want, "chunks of {size}");
        }
    }

    #[test]
    fn an_endless_line_or_event_ends_the_stream() {
        let mut parser = SseParser::default();
        assert_eq!(parser.push(&vec![b'x'; MAX_LINE + 1]), Err(TooLong));
        let mut parser = SseParser::default();
        let line = format!("data: {}\n", "y".repeat(MAX_LINE / 2));
        assert_eq!(parser.push(format!("{line}{line}{line}").as_bytes()), Err(TooLong));
    }
}
