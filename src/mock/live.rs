//! Lists that change under a pull, and `filters[updated_at]` windows.
//!
//! The generated lists are pure functions of a company's project count (fast, cached). A
//! scheduled change (`change_after_page`) turns a company's projects into a live list, one
//! entry per project, that deletes, creates and touches (a new `updated_at`) edit once the
//! named page has been served. A `filters[updated_at]=START...END` window, or `sort=-id`, is
//! served from the same entries. Companies are deleted by hiding them and created by adding
//! companies at the end.

use super::data::{new_project, project, project_id, project_updated, Company, Data};
use super::util::iso8601;
use serde_json::{json, Map, Value};

/// Which list a change is scheduled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeList {
    /// The projects of the company at this index.
    Projects(usize),
    Companies,
}

/// A change made once, right after page `after_page` of `list` has been served: the first
/// `delete` records of that page deleted, the next `touch` ones touched (`updated_at` set to
/// the present), and `create` new records created (new ids, after every other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub list: ChangeList,
    pub after_page: u64,
    pub delete: usize,
    pub create: usize,
    pub touch: usize,
}

/// One project of a live list.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// Generated project `index`, touched at this Unix time when `Some`.
    Generated { index: usize, touched: Option<i64> },
    /// A project created during a pull: id, `updated_at` (Unix) and the record.
    Created {
        id: i64,
        updated: i64,
        record: Value,
    },
}

impl Entry {
    fn id(&self, company_index: usize) -> i64 {
        match self {
            Entry::Generated { index, .. } => project_id(company_index, *index),
            Entry::Created { id, .. } => *id,
        }
    }

    fn updated(&self, company_index: usize) -> i64 {
        match self {
            Entry::Generated { index, touched } => {
                touched.unwrap_or_else(|| project_updated(company_index, *index))
            }
            Entry::Created { updated, .. } => *updated,
        }
    }

    fn record(&self, company: &Company, company_index: usize) -> Value {
        match self {
            Entry::Generated { index, touched } => {
                let mut p = project(company, company_index, *index);
                if let Some(t) = touched {
                    p["updated_at"] = Value::String(iso8601(*t));
                }
                p
            }
            Entry::Created { record, .. } => record.clone(),
        }
    }
}

/// A `filters[updated_at]` window, Unix seconds, both ends included.
pub(crate) type Window = (i64, i64);

/// Parses `START...END` (ISO 8601 dates or date-times; a date as an end takes in its whole
/// day). `Err` with a message for anything else.
pub(crate) fn parse_window(value: &str) -> Result<Window, String> {
    let (a, b) = value
        .split_once("...")
        .ok_or_else(|| format!("filters[updated_at] must be START...END, not {value:?}"))?;
    let start = parse_instant(a.trim(), false)?;
    let end = parse_instant(b.trim(), true)?;
    Ok((start, end))
}

fn parse_instant(s: &str, end_of_day: bool) -> Result<i64, String> {
    crate::core::parse_instant("filters[updated_at]", s, end_of_day).map_err(|e| e.to_string())
}

impl Data {
    /// Whether company `company_index`'s projects are a live list.
    pub(crate) fn is_live(&self, company_index: usize) -> bool {
        self.live.contains_key(&company_index)
    }

    /// The entries of company `company_index`'s projects, by id, made live if needed.
    fn live_entries(&mut self, company_index: usize) -> &mut Vec<Entry> {
        let n = self.companies[company_index].projects;
        self.live.entry(company_index).or_insert_with(|| {
            (0..n)
                .map(|index| Entry::Generated {
                    index,
                    touched: None,
                })
                .collect()
        })
    }

    /// The projects of a company in the list's order, within the window: the count, and the
    /// records `start..end` (after the window and the order apply).
    pub(crate) fn project_list(
        &mut self,
        company_index: usize,
        window: Option<Window>,
        descending: bool,
        range: impl FnOnce(usize) -> (usize, usize),
    ) -> (usize, Vec<i64>, Vec<Value>) {
        let company = self.companies[company_index].clone();
        let generated;
        let entries: &[Entry] = match self.live.get(&company_index) {
            Some(e) => e,
            None => {
                generated = (0..company.projects)
                    .map(|index| Entry::Generated {
                        index,
                        touched: None,
                    })
                    .collect::<Vec<_>>();
                &generated
            }
        };
        let mut chosen: Vec<&Entry> = entries
            .iter()
            .filter(|e| window.is_none_or(|(a, b)| (a..=b).contains(&e.updated(company_index))))
            .collect();
        if descending {
            chosen.reverse();
        }
        let (start, end) = range(chosen.len());
        let page = &chosen[start..end];
        (
            chosen.len(),
            page.iter().map(|e| e.id(company_index)).collect(),
            page.iter()
                .map(|e| e.record(&company, company_index))
                .collect(),
        )
    }

    /// The companies listed, by index (hidden ones left out).
    pub(crate) fn listed_companies(&self) -> Vec<usize> {
        (0..self.companies.len())
            .filter(|i| !self.hidden_companies.contains(i))
            .collect()
    }

    /// The change scheduled after page `page` of `list`, taken off the schedule.
    pub(crate) fn take_change(&mut self, list: ChangeList, page: u64) -> Option<Change> {
        let i = self
            .changes
            .iter()
            .position(|c| c.list == list && c.after_page == page)?;
        Some(self.changes.remove(i))
    }

    /// Makes `change` to the list whose page `served` (ids, in the list's order) was served.
    pub(crate) fn apply_change(&mut self, change: &Change, served: &[i64], now: i64) {
        let (deleted, touched) = served.split_at(change.delete.min(served.len()));
        let touched = &touched[..change.touch.min(touched.len())];
        match change.list {
            ChangeList::Companies => {
                for id in deleted {
                    if let Some(i) = self.company_index(*id) {
                        self.hidden_companies.insert(i);
                    }
                }
                for _ in 0..change.create {
                    let i = self.companies.len();
                    self.companies.push(Company {
                        id: super::data::COMPANY_ID_BASE + i as i64,
                        name: format!("Company created during a pull #{}", i + 1),
                        projects: 0,
                    });
                }
            }
            ChangeList::Projects(ci) => {
                let company = self.companies[ci].clone();
                let mut next = self.next_created_id;
                let entries = self.live_entries(ci);
                let mut overlay = Vec::new();
                entries.retain(|e| !deleted.contains(&e.id(ci)));
                overlay.extend(deleted.iter().map(|id| (*id, None)));
                for e in entries.iter_mut() {
                    if touched.contains(&e.id(ci)) {
                        match e {
                            Entry::Generated { touched, .. } => *touched = Some(now),
                            Entry::Created {
                                updated, record, ..
                            } => {
                                *updated = now;
                                record["updated_at"] = Value::String(iso8601(now));
                            }
                        }
                        overlay.push((e.id(ci), Some(e.record(&company, ci))));
                    }
                }
                for _ in 0..change.create {
                    let mut fields = Map::new();
                    fields.insert(
                        "name".into(),
                        json!(format!("Created during a pull #{next}")),
                    );
                    let record = new_project(next, &company, &fields, now);
                    overlay.push((next, Some(record.clone())));
                    entries.push(Entry::Created {
                        id: next,
                        updated: now,
                        record,
                    });
                    next += 1;
                }
                self.next_created_id = next;
                self.overlay.extend(overlay);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_dates_and_date_times() {
        assert_eq!(
            parse_window("2016-01-01...2016-01-01").unwrap(),
            (1_451_606_400, 1_451_606_400 + 86_399)
        );
        assert_eq!(
            parse_window("2016-01-01T00:00:00Z...2016-01-02T01:00:00+01:00").unwrap(),
            (1_451_606_400, 1_451_606_400 + 86_400)
        );
        for bad in [
            "2016-01-01",
            "x...y",
            "2016-13-01...2016-01-01",
            "16-1-1...2016-01-01",
        ] {
            assert!(parse_window(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn changes_delete_touch_and_create() {
        let mut data = Data::new(1, 10);
        let all = |d: &mut Data, w| d.project_list(0, w, false, |n| (0, n)).1;
        let before = all(&mut data, None);
        assert_eq!(before.len(), 10);
        let change = Change {
            list: ChangeList::Projects(0),
            after_page: 1,
            delete: 2,
            create: 3,
            touch: 1,
        };
        let now = 1_800_000_000;
        data.apply_change(&change, &before[..5], now);
        let after = all(&mut data, None);
        assert_eq!(after.len(), 11);
        assert!(!after.contains(&before[0]) && !after.contains(&before[1]));
        assert_eq!(&after[..8], &before[2..]);
        assert!(after[8..].iter().all(|id| *id > before[9]));
        // The touched record leaves a window that ended before the touch.
        let old = Some((0, now - 1));
        let windowed = all(&mut data, old);
        assert_eq!(windowed, before[3..].to_vec());
        assert!(data.find_project(before[0]).is_none());
        assert_eq!(
            data.find_project(before[2]).unwrap()["updated_at"],
            iso8601(now)
        );
        // Descending order and a range.
        let (n, ids, recs) = data.project_list(0, None, true, |n| (1, 3.min(n)));
        assert_eq!(n, 11);
        assert_eq!(ids, vec![after[9], after[8]]);
        assert_eq!(recs[0]["id"], after[9]);
    }
}
