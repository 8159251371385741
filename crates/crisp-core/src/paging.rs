//! Paging decisions: which page to ask for next, and when to stop. The caller sends the requests.

use crate::json::{Obj, ToJson, Value};

/// The most pages a page-number walk asks for unless told otherwise.
pub const DEFAULT_MAX_PAGES: u32 = 1000;

/// What to do after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<T> {
    /// Ask for this next.
    Next {
        /// The next page number, or the next cursor.
        next: T,
    },
    /// The list is complete.
    Done,
    /// The walk stopped at the page guard; there may be more.
    Limit,
}

/// A walk over a page-number list: pages 1, 2, 3... until an empty page, a page shorter than
/// `per_page` (when the caller set it), or `max_pages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageWalk {
    /// The page to ask for now (starts at 1, or at the caller's `pageNumber`).
    pub page: u32,
    /// The caller's `per_page`, if any: a shorter page is the last.
    pub per_page: Option<u32>,
    /// How many pages the walk may fetch.
    pub max_pages: u32,
    /// Pages fetched so far.
    pub fetched: u32,
}

impl PageWalk {
    /// A walk from page `start` (1 when `None`).
    #[must_use]
    pub fn new(start: Option<u32>, per_page: Option<u32>, max_pages: Option<u32>) -> Self {
        PageWalk {
            page: start.unwrap_or(1).max(1),
            per_page: per_page.filter(|&n| n > 0),
            max_pages: max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1),
            fetched: 0,
        }
    }

    /// Records the page just fetched (its `data`) and says what comes next.
    pub fn advance(&mut self, data: &Value) -> Step<u32> {
        self.advance_count(data.as_array().map(Vec::len))
    }

    /// As [`advance`](Self::advance), from the number of items on the page (`None`: not a list,
    /// so there is nothing to walk). See [`crate::response::PageInfo`].
    pub fn advance_count(&mut self, items: Option<usize>) -> Step<u32> {
        self.fetched += 1;
        let Some(len) = items else {
            return Step::Done;
        };
        if len == 0 || self.per_page.is_some_and(|n| len < n as usize) {
            return Step::Done;
        }
        if self.fetched >= self.max_pages {
            return Step::Limit;
        }
        self.page += 1;
        Step::Next { next: self.page }
    }
}

/// A walk back through a conversation's messages: `timestamp_before` the oldest message seen,
/// continuing while Crisp answers 206 and stopping at 200.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageWalk {
    /// The cursor for the next request (`None` for the first: the latest messages).
    pub timestamp_before: Option<u64>,
    /// Pages fetched so far.
    pub fetched: u32,
    /// How many pages the walk may fetch.
    pub max_pages: u32,
}

impl MessageWalk {
    /// A walk from the latest messages (or from before `timestamp_before`).
    #[must_use]
    pub fn new(timestamp_before: Option<u64>, max_pages: Option<u32>) -> Self {
        MessageWalk {
            timestamp_before,
            fetched: 0,
            max_pages: max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1),
        }
    }

    /// Records a page (its HTTP status and `data`) and says which cursor comes next.
    pub fn advance(&mut self, status: u16, data: &Value) -> Step<u64> {
        let oldest = data
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("timestamp").and_then(Value::as_u64))
            .min();
        self.advance_oldest(status, oldest)
    }

    /// As [`advance`](Self::advance), from the page's oldest message timestamp. See
    /// [`crate::response::PageInfo`].
    pub fn advance_oldest(&mut self, status: u16, oldest: Option<u64>) -> Step<u64> {
        self.fetched += 1;
        if status != 206 {
            return Step::Done;
        }
        match oldest {
            // A 206 that moves the cursor nowhere would loop forever: stop instead.
            Some(t) if self.timestamp_before.is_none_or(|prev| t < prev) => {
                if self.fetched >= self.max_pages {
                    return Step::Limit;
                }
                self.timestamp_before = Some(t);
                Step::Next { next: t }
            }
            _ => Step::Done,
        }
    }
}

impl<T: ToJson> ToJson for Step<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Step::Next { next } => Obj::new(out).field("action", "next").field("next", next).end(),
            Step::Done => Obj::new(out).field("action", "done").end(),
            Step::Limit => Obj::new(out).field("action", "limit").end(),
        }
    }
}

impl ToJson for PageWalk {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("page", &self.page)
            .field("perPage", &self.per_page)
            .field("maxPages", &self.max_pages)
            .field("fetched", &self.fetched)
            .end();
    }
}

impl ToJson for MessageWalk {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("timestampBefore", &self.timestamp_before)
            .field("fetched", &self.fetched)
            .field("maxPages", &self.max_pages)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's `json!`, as this crate's value.
    macro_rules! json {
        ($($t:tt)*) => { crate::json::from_serde(&serde_json::json!($($t)*)) };
    }

    #[test]
    fn page_walk_stops_at_an_empty_page() {
        let mut w = PageWalk::new(None, None, None);
        assert_eq!(w.page, 1);
        assert_eq!(w.advance(&json!([1, 2])), Step::Next { next: 2 });
        assert_eq!(w.advance(&json!([3])), Step::Next { next: 3 });
        assert_eq!(w.advance(&json!([])), Step::Done);
    }

    #[test]
    fn page_walk_stops_at_a_short_page_when_per_page_is_known() {
        let mut w = PageWalk::new(None, Some(20), None);
        assert_eq!(w.advance(&json!(vec![0; 20])), Step::Next { next: 2 });
        assert_eq!(w.advance(&json!(vec![0; 19])), Step::Done);
    }

    #[test]
    fn page_walk_has_a_guard() {
        let mut w = PageWalk::new(Some(5), None, Some(2));
        assert_eq!(w.page, 5);
        assert_eq!(w.advance(&json!([1])), Step::Next { next: 6 });
        assert_eq!(w.advance(&json!([1])), Step::Limit);
    }

    #[test]
    fn page_walk_stops_on_a_non_list() {
        assert_eq!(PageWalk::new(None, None, None).advance(&json!({"a": 1})), Step::Done);
    }

    #[test]
    fn message_walk_follows_206_and_stops_at_200() {
        let mut w = MessageWalk::new(None, None);
        let page = json!([{"timestamp": 300}, {"timestamp": 200}, {"timestamp": 250}]);
        assert_eq!(w.advance(206, &page), Step::Next { next: 200 });
        assert_eq!(w.advance(206, &json!([{"timestamp": 100}])), Step::Next { next: 100 });
        assert_eq!(w.advance(200, &json!([{"timestamp": 50}])), Step::Done);
    }

    #[test]
    fn message_walk_never_loops_on_a_stuck_cursor() {
        let mut w = MessageWalk::new(Some(100), None);
        assert_eq!(w.advance(206, &json!([{"timestamp": 100}])), Step::Done);
        assert_eq!(MessageWalk::new(None, None).advance(206, &json!([])), Step::Done);
        let mut guarded = MessageWalk::new(None, Some(1));
        assert_eq!(guarded.advance(206, &json!([{"timestamp": 9}])), Step::Limit);
    }
}
