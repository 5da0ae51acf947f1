//! Sector mix and sector-level parameters of the generator.
//!
//! A curated list of common NAF sub-classes stands in for the full sector mix: enough
//! variety for peer groups at division, group and section levels, with parameters taken
//! from the calibration sheet (`docs/calibration.md`, cited per column):
//! women's share (D1), accident frequency (C1, C2), CDI first-year exit by sector (B6).
//! Establishment weights, part-time and short-CDD intensities are assumptions.

/// Broad sector family, used for occupations and sector multipliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Industry,
    Construction,
    Trade,
    Transport,
    HotelsRestaurants,
    Office,
    Cleaning,
    Care,
    PersonalServices,
    Associations,
}

/// One sector of the generator.
#[derive(Debug, Clone, Copy)]
pub struct Sector {
    /// APET code (NAF rév. 2 sub-class).
    pub naf: &'static str,
    /// Share of establishments (assumption, normalised).
    pub weight: f64,
    /// Women's share of hires before establishment effects (D1, by sector).
    pub women: f64,
    /// Accidents with time off per 1,000 employees per year (C1/C2).
    pub accidents: f64,
    /// Multiplier on the monthly intensity of short CDDs (assumption).
    pub short_cdd: f64,
    /// Multiplier on the part-time probability (assumption).
    pub part_time: f64,
    /// CDI ended within the first year for this sector (B6).
    pub cdi_first_year_exit: f64,
    /// Baseline share of CDI among core hires (assumption, tuned to B2 overall).
    pub cdi_share: f64,
    pub family: Family,
    /// Smallest size band the sector occurs in (0: 1–9, 1: 10–49, 2: 50–249, 3: 250+).
    pub min_band: u8,
}

#[allow(clippy::too_many_arguments)] // a row constructor for the table below
const fn s(
    naf: &'static str,
    weight: f64,
    women: f64,
    accidents: f64,
    short_cdd: f64,
    part_time: f64,
    cdi_first_year_exit: f64,
    cdi_share: f64,
    family: Family,
    min_band: u8,
) -> Sector {
    Sector {
        naf,
        weight,
        women,
        accidents,
        short_cdd,
        part_time,
        cdi_first_year_exit,
        cdi_share,
        family,
        min_band,
    }
}

use Family::*;

/// B6: industry 23.3%, construction 32.7%, services 38.4%, hotels/restaurants 58.6%. The
/// simulation scales each by the hire's age, occupation and establishment; industry,
/// construction and hotels/restaurants are rescaled (×1.18, ×0.84, ×1.18) so that the
/// realised first-year exits of each sector meet B6 (calibration rows `cdi_ended_within_year_*`).
const IND: f64 = 0.233 * 1.18;
const CON: f64 = 0.327 * 0.84;
const SER: f64 = 0.384;
const HCR: f64 = 0.586 * 1.18;

/// The sector table. Construction accidents 47.7 and care homes / home care ≈98 per 1,000
/// (C2); office services ≈15 (C2); other values are assumptions around the 30.1 mean (C1).
#[rustfmt::skip] // one sector per row reads as a table
pub const SECTORS: &[Sector] = &[
    s("1071C", 0.035, 0.45, 35.0, 0.6, 1.0, IND, 0.60, Industry, 0),
    s("1013A", 0.008, 0.40, 70.0, 0.8, 0.6, IND, 0.55, Industry, 1),
    s("2511Z", 0.010, 0.12, 50.0, 0.3, 0.4, IND, 0.60, Industry, 0),
    s("2562B", 0.015, 0.15, 40.0, 0.3, 0.4, IND, 0.60, Industry, 0),
    s("4120A", 0.020, 0.10, 47.7, 0.3, 0.3, CON, 0.60, Construction, 0),
    s("4321A", 0.030, 0.10, 47.7, 0.3, 0.3, CON, 0.60, Construction, 0),
    s("4322A", 0.025, 0.10, 47.7, 0.3, 0.3, CON, 0.60, Construction, 0),
    s("4332A", 0.020, 0.10, 47.7, 0.3, 0.3, CON, 0.60, Construction, 0),
    s("4399C", 0.030, 0.08, 47.7, 0.4, 0.3, CON, 0.55, Construction, 0),
    s("4520A", 0.030, 0.15, 30.0, 0.4, 0.5, SER, 0.60, Trade, 0),
    s("4690Z", 0.025, 0.35, 25.0, 0.5, 0.6, SER, 0.60, Trade, 0),
    s("4711D", 0.015, 0.60, 45.0, 1.6, 1.8, SER, 0.45, Trade, 1),
    s("4771Z", 0.030, 0.80, 15.0, 1.2, 1.8, SER, 0.45, Trade, 0),
    s("4773Z", 0.020, 0.85, 10.0, 0.8, 1.4, SER, 0.55, Trade, 0),
    s("4759A", 0.012, 0.45, 25.0, 0.8, 1.0, SER, 0.55, Trade, 0),
    s("4941A", 0.025, 0.15, 55.0, 0.6, 0.4, SER, 0.55, Transport, 0),
    s("5229A", 0.008, 0.35, 60.0, 1.2, 0.8, SER, 0.45, Transport, 1),
    s("5610A", 0.070, 0.50, 40.0, 2.4, 1.6, HCR, 0.40, HotelsRestaurants, 0),
    s("5610C", 0.040, 0.50, 40.0, 2.4, 2.0, HCR, 0.40, HotelsRestaurants, 0),
    s("5510Z", 0.020, 0.55, 40.0, 2.6, 1.4, HCR, 0.35, HotelsRestaurants, 0),
    s("6201Z", 0.025, 0.25, 12.0, 0.3, 0.4, SER, 0.80, Office, 0),
    s("6419Z", 0.012, 0.60, 12.0, 0.3, 0.7, SER, 0.80, Office, 1),
    s("6622Z", 0.015, 0.60, 12.0, 0.3, 0.8, SER, 0.75, Office, 0),
    s("6831Z", 0.020, 0.60, 15.0, 0.4, 0.8, SER, 0.70, Office, 0),
    s("6920Z", 0.030, 0.65, 12.0, 0.5, 0.9, SER, 0.75, Office, 0),
    s("7022Z", 0.020, 0.45, 12.0, 0.4, 0.6, SER, 0.75, Office, 0),
    s("7112B", 0.020, 0.30, 15.0, 0.3, 0.5, SER, 0.75, Office, 0),
    s("8121Z", 0.025, 0.60, 55.0, 1.2, 2.5, SER, 0.45, Cleaning, 0),
    s("8130Z", 0.015, 0.10, 50.0, 1.0, 0.6, SER, 0.50, Cleaning, 0),
    s("8559A", 0.010, 0.60, 12.0, 1.5, 1.5, SER, 0.50, Office, 0),
    s("8610Z", 0.004, 0.78, 50.0, 1.8, 1.5, SER, 0.55, Care, 2),
    s("8621Z", 0.020, 0.70, 10.0, 0.6, 1.3, SER, 0.60, Care, 0),
    s("8710A", 0.015, 0.85, 98.0, 2.0, 1.5, SER, 0.45, Care, 1),
    s("8810A", 0.020, 0.95, 98.0, 1.6, 2.6, SER, 0.45, Care, 0),
    s("8891A", 0.015, 0.95, 35.0, 1.4, 1.6, SER, 0.50, Care, 0),
    s("8899B", 0.015, 0.70, 30.0, 1.2, 1.8, SER, 0.40, Associations, 0),
    s("9312Z", 0.010, 0.45, 25.0, 2.0, 2.0, SER, 0.40, PersonalServices, 0),
    s("9499Z", 0.020, 0.65, 15.0, 1.5, 2.0, SER, 0.40, Associations, 0),
    s("9602A", 0.030, 0.85, 15.0, 0.6, 1.8, SER, 0.55, PersonalServices, 0),
];

/// IAE structures are drawn in this sub-class (ateliers et chantiers d'insertion).
pub const IAE_NAF: &str = "8899B";

/// PCS-ESE occupations hired in each family, with weights (assumption). Category 3 =
/// managers, 4 = intermediate, 5 = employees, 6 = workers.
pub fn occupations(f: Family) -> &'static [(&'static str, f64)] {
    match f {
        Industry => &[
            ("628a", 0.25),
            ("673a", 0.30),
            ("684a", 0.25),
            ("477b", 0.10),
            ("387c", 0.10),
        ],
        Construction => &[
            ("632a", 0.35),
            ("633a", 0.20),
            ("681a", 0.30),
            ("621a", 0.10),
            ("382b", 0.05),
        ],
        Trade => &[
            ("554a", 0.40),
            ("553b", 0.25),
            ("462a", 0.15),
            ("676a", 0.15),
            ("374a", 0.05),
        ],
        Transport => &[
            ("641a", 0.50),
            ("652a", 0.25),
            ("656b", 0.15),
            ("466a", 0.10),
        ],
        HotelsRestaurants => &[
            ("561a", 0.40),
            ("636d", 0.30),
            ("561d", 0.15),
            ("468a", 0.10),
            ("376e", 0.05),
        ],
        Office => &[
            ("543a", 0.35),
            ("461d", 0.25),
            ("372c", 0.20),
            ("388a", 0.20),
        ],
        Cleaning => &[("684a", 0.70), ("691b", 0.15), ("488b", 0.15)],
        Care => &[
            ("526a", 0.40),
            ("563b", 0.25),
            ("431f", 0.25),
            ("344a", 0.10),
        ],
        PersonalServices => &[("562a", 0.60), ("424a", 0.25), ("375a", 0.15)],
        Associations => &[
            ("525a", 0.35),
            ("434d", 0.30),
            ("684a", 0.25),
            ("376b", 0.10),
        ],
    }
}

/// Monthly sickness-stoppage rate multiplier by family (assumption).
pub fn sickness_multiplier(f: Family) -> f64 {
    match f {
        Care | Cleaning => 1.4,
        Construction | Industry | Transport => 1.1,
        Office => 0.7,
        _ => 1.0,
    }
}

/// Seasonality of a sector (assumption): how strongly establishments of the sector differ
/// in seasonal hiring — the young on very short CDDs, fewer CDI, more separations. Hotels,
/// restaurants, sports and leisure, landscaping and retail peaks are the seasonal sectors;
/// every sector keeps a little spread.
pub fn seasonality(naf: &str) -> f64 {
    match naf {
        "5610A" | "5610C" | "5510Z" => 1.0,
        "9312Z" => 0.8,
        "8130Z" => 0.6,
        "4711D" | "5229A" => 0.5,
        "4771Z" | "4773Z" => 0.4,
        "1013A" | "1071C" => 0.3,
        _ => 0.15,
    }
}
