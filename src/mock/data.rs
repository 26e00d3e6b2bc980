//! Deterministic companies and projects.
//!
//! Nothing is stored per project: project `i` of company `c` is computed from `(c, i)` on
//! demand, so 20,000 projects cost nothing. Created, updated and deleted projects live in an
//! overlay map (see `Data::overlay`).

use super::util::iso8601;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// First company id: above 2^32, so a client that truncates ids to 32 bits is caught.
pub(crate) const COMPANY_ID_BASE: i64 = 4_000_000_000_001;
/// Generated project ids: `PROJECT_ID_BASE + (company_index + 1) * PROJECT_ID_STRIDE + index`.
const PROJECT_ID_BASE: i64 = 5_000_000_000_000;
const PROJECT_ID_STRIDE: i64 = 1_000_000_000;
/// Ids of projects created through `POST /projects` count up from here.
const CREATED_ID_BASE: i64 = 9_000_000_000_001;

/// The signed-in user (`/me`).
pub(crate) const ME_ID: i64 = 1_234_567;
pub(crate) const ME_LOGIN: &str = "joe.builder@acme.com";
pub(crate) const ME_NAME: &str = "Joe Builder";

const COMPANY_NAMES: &[&str] = &[
    "Acme Builders",
    "Summit Construction Co.",
    "Redwood General Contractors",
    "Harbor Civil Group",
    "Granite Peak Builders",
];

pub(crate) const STAGES: &[&str] = &[
    "Course of Construction",
    "Pre-Construction",
    "Bidding",
    "Post-Construction",
    "Warranty",
];

const PROJECT_KINDS: &[&str] = &[
    "Medical Center",
    "Office Tower",
    "Elementary School",
    "Distribution Warehouse",
    "Parking Structure",
    "Library Renovation",
    "Apartments",
    "Water Treatment Plant",
    "Fire Station",
    "Retail Center",
];

const PROJECT_PLACES: &[&str] = &[
    "Riverside",
    "Harborview",
    "Oak Hill",
    "Mesa Verde",
    "Lakeshore",
    "Cedar Park",
    "Northgate",
];

const STREETS: &[&str] = &[
    "Carpinteria Avenue",
    "Main Street",
    "Mission Boulevard",
    "Oak Street",
    "Industrial Way",
    "Harbor Drive",
];

struct Place {
    city: &'static str,
    state_code: &'static str,
    zip: &'static str,
    county: &'static str,
    lat: f64,
    lng: f64,
    area_code: u32,
}

const PLACES: &[Place] = &[
    Place {
        city: "Carpinteria",
        state_code: "CA",
        zip: "93013",
        county: "Santa Barbara County",
        lat: 34.3988838,
        lng: -119.5184564,
        area_code: 805,
    },
    Place {
        city: "Austin",
        state_code: "TX",
        zip: "78701",
        county: "Travis County",
        lat: 30.2711286,
        lng: -97.7436995,
        area_code: 512,
    },
    Place {
        city: "Denver",
        state_code: "CO",
        zip: "80202",
        county: "Denver County",
        lat: 39.7541032,
        lng: -105.0002242,
        area_code: 303,
    },
    Place {
        city: "Seattle",
        state_code: "WA",
        zip: "98104",
        county: "King County",
        lat: 47.6038321,
        lng: -122.3300624,
        area_code: 206,
    },
    Place {
        city: "Raleigh",
        state_code: "NC",
        zip: "27601",
        county: "Wake County",
        lat: 35.7803977,
        lng: -78.6390989,
        area_code: 919,
    },
];

#[derive(Debug, Clone)]
pub(crate) struct Company {
    pub id: i64,
    pub name: String,
    /// How many generated projects this company has.
    pub projects: usize,
}

impl Company {
    pub(crate) fn to_json(&self, index: usize) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "is_active": true,
            "logo_url": match index % 2 {
                0 => Value::String(format!("https://storage.procore.test/logos/{}.png", self.id)),
                _ => Value::Null,
            },
        })
    }
}

pub(crate) struct Data {
    pub companies: Vec<Company>,
    /// Projects created, updated (`Some`) or deleted (`None`) through the API. `GET
    /// /projects/{id}` sees them; the list endpoint ignores the overlay on purpose (it stays
    /// a pure function of the company's project count, so pagination stays predictable).
    pub overlay: HashMap<i64, Option<Value>>,
    pub next_created_id: i64,
    pages: PageCache,
    /// Changes scheduled after a page is served (see `live`).
    pub changes: Vec<super::live::Change>,
    /// Companies whose projects are a live list (changed under a pull), by company index.
    pub live: HashMap<usize, Vec<super::live::Entry>>,
    /// Companies deleted under a pull: left out of the list.
    pub hidden_companies: std::collections::HashSet<usize>,
}

impl Data {
    pub(crate) fn new(companies: usize, projects_per_company: usize) -> Data {
        let companies = (0..companies)
            .map(|i| {
                let base = COMPANY_NAMES[i % COMPANY_NAMES.len()];
                let name = if i < COMPANY_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base} {}", i / COMPANY_NAMES.len() + 1)
                };
                Company {
                    id: COMPANY_ID_BASE + i as i64,
                    name,
                    projects: projects_per_company,
                }
            })
            .collect();
        Data {
            companies,
            overlay: HashMap::new(),
            next_created_id: CREATED_ID_BASE,
            pages: PageCache::default(),
            changes: Vec::new(),
            live: HashMap::new(),
            hidden_companies: Default::default(),
        }
    }

    pub(crate) fn company_index(&self, id: i64) -> Option<usize> {
        self.companies.iter().position(|c| c.id == id)
    }

    /// The list page of projects `start..end` of company `company_index`, as JSON bytes.
    pub(crate) fn project_page(&mut self, company_index: usize, start: usize, end: usize) -> Bytes {
        let key = (company_index, start, end);
        if let Some(body) = self.pages.pages.get(&key) {
            return body.clone();
        }
        let body = Bytes::from(page_body(
            &self.companies[company_index],
            company_index,
            start,
            end,
        ));
        let cache = &mut self.pages;
        if cache.bytes + body.len() > PAGE_CACHE_BYTES {
            cache.pages.clear();
            cache.bytes = 0;
        }
        cache.bytes += body.len();
        cache.pages.insert(key, body.clone());
        body
    }

    /// The project with this id as currently seen (overlay first), with its company id.
    pub(crate) fn find_project(&self, id: i64) -> Option<Value> {
        if let Some(entry) = self.overlay.get(&id) {
            return entry.clone();
        }
        let (c, i) = decode_project_id(id)?;
        let company = self.companies.get(c)?;
        (i < company.projects).then(|| project(company, c, i))
    }
}

pub(crate) fn project_id(company_index: usize, index: usize) -> i64 {
    PROJECT_ID_BASE + (company_index as i64 + 1) * PROJECT_ID_STRIDE + index as i64
}

fn decode_project_id(id: i64) -> Option<(usize, usize)> {
    let d = id.checked_sub(PROJECT_ID_BASE + PROJECT_ID_STRIDE)?;
    if d < 0 || id >= CREATED_ID_BASE {
        return None;
    }
    Some((
        (d / PROJECT_ID_STRIDE) as usize,
        (d % PROJECT_ID_STRIDE) as usize,
    ))
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// Project `index` of company `company_index`, with every field of Procore's example.
pub(crate) fn project(company: &Company, company_index: usize, index: usize) -> Value {
    serde_json::to_value(generated(company, company_index, index))
        .expect("a generated project is plain JSON")
}

/// `created_at` of generated project `index` of company `company_index` (Unix seconds):
/// 2016-01-04T15:30:00Z plus a day per project, a few seconds apart per company.
fn project_created(company_index: usize, index: usize) -> i64 {
    1_451_921_400 + index as i64 * 86_400 + company_index as i64 * 3_607
}

/// `updated_at` of a generated project (Unix seconds).
pub(crate) fn project_updated(company_index: usize, index: usize) -> i64 {
    project_created(company_index, index) + 86_400 * (1 + (index as i64 * 7) % 400) + 1_234
}

/// A generated project, serialised field by field in Procore's order (no `Value` tree: the
/// list endpoint writes pages of these straight into bytes).
#[derive(Serialize)]
struct Generated<'a> {
    id: i64,
    name: String,
    display_name: String,
    project_number: String,
    address: String,
    city: &'static str,
    state_code: &'static str,
    country_code: &'static str,
    zip: &'static str,
    county: &'static str,
    latitude: f64,
    longitude: f64,
    stage: &'static str,
    phone: String,
    created_at: String,
    updated_at: String,
    active: bool,
    origin_id: Option<String>,
    origin_data: Option<String>,
    company: CompanyRef<'a>,
}

#[derive(Serialize)]
struct CompanyRef<'a> {
    id: i64,
    name: &'a str,
}

fn generated(company: &Company, company_index: usize, index: usize) -> Generated<'_> {
    let id = project_id(company_index, index);
    let n = index + 1;
    let place = &PLACES[(index + company_index) % PLACES.len()];
    let name = format!(
        "{} {} #{n}",
        PROJECT_PLACES[(index / PROJECT_KINDS.len()) % PROJECT_PLACES.len()],
        PROJECT_KINDS[index % PROJECT_KINDS.len()],
    );
    let project_number = format!("{}-{n:04}", company_index + 1);
    // 2016-01-04T15:30:00Z plus a day per project, a few seconds apart per company.
    let created = project_created(company_index, index);
    let updated = project_updated(company_index, index);
    let jitter = |k: u64| ((index as u64 * 2_654_435_761 + k) % 10_000) as f64 * 1e-5;
    // Every fifth project came from an ERP integration.
    let erp = index.is_multiple_of(5);
    Generated {
        id,
        display_name: format!("{project_number} - {name}"),
        name,
        project_number,
        address: format!(
            "{} {}",
            100 + (index * 37) % 9_800,
            STREETS[index % STREETS.len()]
        ),
        city: place.city,
        state_code: place.state_code,
        country_code: "US",
        zip: place.zip,
        county: place.county,
        latitude: round7(place.lat + jitter(17)),
        longitude: round7(place.lng - jitter(91)),
        stage: STAGES[index % STAGES.len()],
        phone: format!(
            "({}) 555-{:04}",
            place.area_code,
            (index * 7_919 + 1_000) % 10_000
        ),
        created_at: iso8601(created),
        updated_at: iso8601(updated),
        active: index % 11 != 10,
        origin_id: erp.then(|| format!("ERP-{:06}", index + 1000 * company_index)),
        origin_data: erp.then(|| format!("{{\"source\":\"erp\",\"job\":{n}}}")),
        company: CompanyRef {
            id: company.id,
            name: &company.name,
        },
    }
}

/// The JSON body of a list page: projects `start..end` of company `company_index`, exactly
/// what `serde_json::to_vec` of the array of their `project()` values gives.
fn page_body(company: &Company, company_index: usize, start: usize, end: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity((end - start) * 640 + 2);
    out.push(b'[');
    for i in start..end {
        if i > start {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &generated(company, company_index, i))
            .expect("writing to a Vec cannot fail");
    }
    out.push(b']');
    out
}

/// Serialised list pages, kept so that pulling 20,000 projects does not generate and encode
/// them again for every client. A page is a pure function of (company, first index, end
/// index): a company's id and name never change and the list ignores the overlay, so an
/// entry never goes stale (`set_projects` only moves where the last page ends, which is part
/// of the key). Bounded: past `PAGE_CACHE_BYTES` the cache starts over.
#[derive(Default)]
pub(crate) struct PageCache {
    pages: HashMap<(usize, usize, usize), Bytes>,
    bytes: usize,
}

/// Memory the page cache may hold (20,000 projects take about 12 MB).
const PAGE_CACHE_BYTES: usize = 64 << 20;

/// A new project built from a `POST` body: every Procore field present (null when not given),
/// then the given fields (unknown ones kept).
pub(crate) fn new_project(
    id: i64,
    company: &Company,
    fields: &Map<String, Value>,
    now: i64,
) -> Value {
    let mut p = json!({
        "id": id,
        "name": Value::Null,
        "display_name": Value::Null,
        "project_number": Value::Null,
        "address": Value::Null,
        "city": Value::Null,
        "state_code": Value::Null,
        "country_code": Value::Null,
        "zip": Value::Null,
        "county": Value::Null,
        "latitude": Value::Null,
        "longitude": Value::Null,
        "stage": "None",
        "phone": Value::Null,
        "created_at": iso8601(now),
        "updated_at": iso8601(now),
        "active": true,
        "origin_id": Value::Null,
        "origin_data": Value::Null,
        "company": { "id": company.id, "name": company.name },
    });
    apply_fields(&mut p, fields, now);
    p
}

/// Apply writable fields to a project (never `id`, `company`, `created_at`), refresh
/// `updated_at` and `display_name`.
pub(crate) fn apply_fields(project: &mut Value, fields: &Map<String, Value>, now: i64) {
    let Some(obj) = project.as_object_mut() else {
        return;
    };
    for (k, v) in fields {
        if matches!(
            k.as_str(),
            "id" | "company" | "created_at" | "updated_at" | "display_name"
        ) {
            continue;
        }
        obj.insert(k.clone(), v.clone());
    }
    obj.insert("updated_at".into(), Value::String(iso8601(now)));
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let display = match obj.get("project_number").and_then(Value::as_str) {
        Some(num) if !num.is_empty() => format!("{num} - {name}"),
        _ => name,
    };
    obj.insert("display_name".into(), Value::String(display));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator as first written, with `json!`: the fast paths must give exactly this.
    fn reference_project(company: &Company, company_index: usize, index: usize) -> Value {
        let id = project_id(company_index, index);
        let n = index + 1;
        let place = &PLACES[(index + company_index) % PLACES.len()];
        let name = format!(
            "{} {} #{n}",
            PROJECT_PLACES[(index / PROJECT_KINDS.len()) % PROJECT_PLACES.len()],
            PROJECT_KINDS[index % PROJECT_KINDS.len()],
        );
        let project_number = format!("{}-{n:04}", company_index + 1);
        // 2016-01-04T15:30:00Z plus a day per project, a few seconds apart per company.
        let created = 1_451_921_400 + index as i64 * 86_400 + company_index as i64 * 3_607;
        let updated = created + 86_400 * (1 + (index as i64 * 7) % 400) + 1_234;
        let jitter = |k: u64| ((index as u64 * 2_654_435_761 + k) % 10_000) as f64 * 1e-5;
        // Every fifth project came from an ERP integration.
        let (origin_id, origin_data) = match index % 5 {
            0 => (
                Value::String(format!("ERP-{:06}", index + 1000 * company_index)),
                Value::String(format!("{{\"source\":\"erp\",\"job\":{n}}}")),
            ),
            _ => (Value::Null, Value::Null),
        };
        json!({
            "id": id,
            "name": name,
            "display_name": format!("{project_number} - {name}"),
            "project_number": project_number,
            "address": format!("{} {}", 100 + (index * 37) % 9_800, STREETS[index % STREETS.len()]),
            "city": place.city,
            "state_code": place.state_code,
            "country_code": "US",
            "zip": place.zip,
            "county": place.county,
            "latitude": round7(place.lat + jitter(17)),
            "longitude": round7(place.lng - jitter(91)),
            "stage": STAGES[index % STAGES.len()],
            "phone": format!("({}) 555-{:04}", place.area_code, (index * 7_919 + 1_000) % 10_000),
            "created_at": iso8601(created),
            "updated_at": iso8601(updated),
            "active": index % 11 != 10,
            "origin_id": origin_id,
            "origin_data": origin_data,
            "company": { "id": company.id, "name": company.name },
        })
    }

    #[test]
    fn generated_projects_match_the_reference() {
        let data = Data::new(7, 0);
        for (c, company) in data.companies.iter().enumerate() {
            for i in (0..300).chain([9_999, 19_999, 123_456, 99_999_999]) {
                let want = reference_project(company, c, i);
                assert_eq!(project(company, c, i), want, "company {c} project {i}");
                assert_eq!(
                    serde_json::to_vec(&generated(company, c, i)).unwrap(),
                    serde_json::to_vec(&want).unwrap(),
                );
            }
        }
    }

    #[test]
    fn page_bodies_are_the_serialised_projects() {
        let mut data = Data::new(2, 1_000);
        for (c, start, end) in [
            (0, 0, 100),
            (1, 200, 300),
            (0, 950, 1_000),
            (1, 7, 8),
            (0, 5, 5),
        ] {
            let company = data.companies[c].clone();
            let want: Vec<Value> = (start..end)
                .map(|i| reference_project(&company, c, i))
                .collect();
            let want = serde_json::to_vec(&Value::Array(want)).unwrap();
            let first = data.project_page(c, start, end);
            assert_eq!(first, want);
            // Asked again: the very same buffer, from the cache.
            let again = data.project_page(c, start, end);
            assert_eq!(again, want);
            assert_eq!(again.as_ptr(), first.as_ptr());
        }
        assert_eq!(data.pages.pages.len(), 5);
    }

    #[test]
    fn page_cache_stays_bounded() {
        let mut data = Data::new(1, 0);
        let mut served = 0;
        for page in 0..1_500 {
            served += data.project_page(0, page * 100, page * 100 + 100).len();
            assert!(data.pages.bytes <= PAGE_CACHE_BYTES);
            assert_eq!(
                data.pages.bytes,
                data.pages.pages.values().map(Bytes::len).sum::<usize>()
            );
        }
        assert!(
            served > PAGE_CACHE_BYTES,
            "the test must overflow the cache"
        );
    }

    #[test]
    fn ids_round_trip() {
        let data = Data::new(3, 10);
        for c in 0..3 {
            for i in 0..10 {
                let id = project_id(c, i);
                assert!(id > u32::MAX as i64);
                assert_eq!(decode_project_id(id), Some((c, i)));
                let p = data.find_project(id).unwrap();
                assert_eq!(p["id"], id);
                assert_eq!(p["company"]["id"], data.companies[c].id);
            }
        }
        assert!(data.find_project(project_id(0, 10)).is_none());
        assert!(data.find_project(project_id(3, 0)).is_none());
        assert!(data.find_project(42).is_none());
        assert!(data.find_project(CREATED_ID_BASE).is_none());
    }
}
