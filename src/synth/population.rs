//! The establishments of a territory — sector, size, place, identity — and their latent
//! traits, the generator's ground truth (the scoring code never reads it).
//!
//! **Three latent traits**, standard normal and correlated (`generator.trait_correlations`),
//! each driving its own block of criteria with loading `l = generator.trait_loading`, plus
//! independent noise (`trait_noise_sd`) on every propensity:
//! - *openness* O: hires of people far from employment (long unemployment, no experience,
//!   IAE, BOETH: `l·O`; 50+ and under 26: `0.6 l·O`), internships and immersions;
//! - *job quality* Q: CDI at hire (`0.6 l·Q`), conversions (`0.5 l·Q`), CDD length, fewer
//!   very short CDDs, work-study;
//! - *working conditions* W: separations (early ruptures, turnover) and work accidents.
//!
//! **Trade-offs by sector and size**, so that the criteria can disagree:
//! - *seasonality* `S = strength × seasonality(sector) × N(0, 1)`: within a seasonal sector,
//!   a more seasonal establishment hires more of the young (+1.0 S on the log-odds) and fewer
//!   50+ (−0.4 S), offers fewer CDI (−0.8 S), converts less (−0.5 S), uses more very short
//!   CDDs (×e^{0.5 S}) and loses people faster (×e^{0.35 S});
//! - *OETH churners* (`oeth_churner_share` of establishments with 20+ positions, the size
//!   from which the 6% obligation applies): BOETH hiring +1.2 log-odds, but BOETH hires
//!   separate [`OETH_SEPARATION`] times as fast;
//! - *gamers* (`gamer_share`): long unemployment, no experience, IAE, BOETH and CDI all
//!   +[`GAMER_BOOST`] log-odds, but a share [`GAMER_LATE_CUT`] of their fragile hires is let
//!   go between 6 and 11 months after hire, just after the six-month window of the
//!   early-rupture criterion.
//!
//! Multipliers (separations, accidents, internships, CDD length, short CDDs) are log-normal
//! with mean one over establishments, and seasonality is centred within each sector, so the
//! sector-level calibration targets keep holding.

use super::rng::{self, stream};
use super::sectors::{self, Family, Sector, SECTORS};
use super::{EstablishmentTruth, SynthError};
use crate::config::{Experiment, GeneratorParams};
use crate::date::Date;
use crate::model::{iae, Establishment};
use crate::reference::{Commune, Reference};
use rand::Rng;
use rand_chacha::ChaCha8Rng as EstabRng;
use rand_distr::{Distribution, Normal};

/// Log-odds boost of gamers on the hiring-profile and CDI propensities.
pub(crate) const GAMER_BOOST: f64 = 0.8;
/// Share of a gamer's fragile hires let go between 6 and 11 months.
pub(crate) const GAMER_LATE_CUT: f64 = 0.6;
/// Log-odds boost of OETH churners on BOETH hiring.
pub(crate) const OETH_BOETH: f64 = 1.2;
/// Separation multiplier of BOETH hires at OETH churners.
pub(crate) const OETH_SEPARATION: f64 = 3.0;
/// Positions from which the employment obligation of disabled workers applies (D4).
pub(crate) const OETH_MIN_SLOTS: u32 = 20;
/// Scale of every separation hazard. Hires over-represent the establishments that separate
/// more (they must rehire), and gamers and OETH churners add their own exits; 0.85 brings
/// the first-year CDI exits of hires back to B6 (tuned on the default experiment).
pub(crate) const SEPARATION_SCALE: f64 = 0.85;

pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub(crate) fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

pub(crate) fn pick_weighted<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for (x, w) in items {
        if u < *w {
            return x;
        }
        u -= w;
    }
    &items[items.len() - 1].0
}

/// Baseline hiring propensities (log-odds). Sources: D5 for ages (assumption, 35% under 26
/// and 12% 50+ among hires), D4 for BOETH (0.75: the spread of the traits raises the mean
/// propensity above its baseline), E2 for IAE volume; others are assumptions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Base {
    pub iae: f64,
    pub no_experience: f64,
    pub long_unemployed: f64,
    pub young: f64,
    pub senior: f64,
    pub boeth: f64,
    pub work_study: f64,
    pub conversion: f64,
}

impl Base {
    pub(crate) fn new(p: &GeneratorParams) -> Base {
        // OETH churners raise BOETH hiring: the others' baseline is lowered by their expected
        // share of the boost so that D4 keeps holding.
        let oeth = 0.35 * p.oeth_churner_share * OETH_BOETH;
        Base {
            iae: logit(0.02),
            no_experience: logit(0.12),
            long_unemployed: logit(0.12),
            young: logit(p.under26_hire_share * 0.85),
            senior: logit(p.over50_hire_share),
            boeth: logit(p.boeth_share * 0.75) - oeth,
            work_study: logit(0.10),
            conversion: logit(0.15),
        }
    }
}

/// The latent truth of one establishment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Latent {
    pub openness: f64,
    pub quality: f64,
    pub conditions: f64,
    pub seasonality: f64,
    pub oeth_churner: bool,
    pub gamer: bool,
}

/// Traits as used by the simulation: log-odds of hiring propensities, then multipliers.
#[derive(Debug, Clone)]
pub(crate) struct Traits {
    pub women: f64,
    pub no_experience: f64,
    pub long_unemployed: f64,
    pub young: f64,
    pub senior: f64,
    pub boeth: f64,
    /// BOETH propensity of the workforce already in place (without the hiring boosts of
    /// gamers and OETH churners, who do not keep those hires).
    pub boeth_stock: f64,
    pub iae: f64,
    pub work_study: f64,
    pub cdi: f64,
    pub conversion: f64,
    pub separation: f64,
    pub accident: f64,
    pub internship: f64,
    pub cdd_length: f64,
    pub short_cdd: f64,
    /// Separation multiplier of BOETH hires (OETH churners), 1 otherwise.
    pub boeth_separation: f64,
    /// Share of fragile hires let go between 6 and 11 months (gamers), 0 otherwise.
    pub late_cut: f64,
}

/// One establishment during the simulation.
pub(crate) struct Estab {
    pub sector: &'static Sector,
    pub slots: u32,
    pub band: u8,
    pub iae: Option<u8>,
    pub creation: Date,
    pub traits: Traits,
    /// Next date each slot can be filled (`None`: occupied beyond the extraction date).
    pub next_free: Vec<Option<Date>>,
    /// Former short-contract workers, rehired first (calibration B5).
    pub rehire: Vec<u32>,
    pub short_rate: f64,
    /// Job-seeker pool the establishment hires from and releases to (0 unless isolated).
    pub arm: u8,
}

/// The drawn territory: public tables, simulation state and truth, in generation order.
pub(crate) struct Population {
    pub establishments: Vec<Establishment>,
    pub estabs: Vec<Estab>,
    pub truth: Vec<EstablishmentTruth>,
    pub sirets: Vec<u64>,
}

/// Communes of the territory, drawn in proportion to their population.
struct Places<'a> {
    reference: &'a Reference,
    communes: Vec<&'a Commune>,
    cum: Vec<f64>,
}

impl<'a> Places<'a> {
    fn new(exp: &Experiment, reference: &'a Reference) -> Result<Places<'a>, SynthError> {
        let communes: Vec<&Commune> = reference
            .communes
            .values()
            .filter(|c| exp.territory.departements.contains(&c.departement) && c.population > 0)
            .collect();
        if communes.is_empty() {
            return Err(SynthError::EmptyTerritory(
                exp.territory.departements.clone(),
            ));
        }
        let mut acc = 0.0;
        let cum = communes
            .iter()
            .map(|c| {
                acc += c.population as f64;
                acc
            })
            .collect();
        Ok(Places {
            reference,
            communes,
            cum,
        })
    }

    fn pick<R: Rng + ?Sized>(&self, r: &mut R) -> &'a Commune {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let u = r.random::<f64>() * total;
        self.communes[self
            .cum
            .partition_point(|&x| x < u)
            .min(self.communes.len() - 1)]
    }
}

/// Luhn check digit making `digits` followed by it valid.
fn luhn_complete(digits: u64, len: u32) -> u64 {
    // Doubling applies to every second digit from the right of the final number.
    let mut sum = 0;
    let mut d = digits;
    for i in 0..len {
        let mut x = d % 10;
        d /= 10;
        if i % 2 == 0 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    (10 - sum % 10) % 10
}

/// A SIRET whose SIREN and SIRET both pass the Luhn check, as real ones do.
fn make_siret<R: Rng + ?Sized>(rng: &mut R) -> u64 {
    let body: u64 = rng.random_range(10_000_000..100_000_000);
    let siren = body * 10 + luhn_complete(body, 8);
    let nic_body: u64 = rng.random_range(1..2000);
    let partial = siren * 10_000 + nic_body;
    partial * 10 + luhn_complete(partial, 13)
}

const SURNAMES: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Le Gall", "Le Goff", "Guillou", "Tanguy", "Kerbrat", "Morvan", "Hamon", "Jaouen",
];

fn name_for<R: Rng + ?Sized>(f: Family, rng: &mut R, commune: &str) -> String {
    let prefix = match f {
        Family::Industry => "Ateliers",
        Family::Construction => "Bâtiment",
        Family::Trade => "Commerce",
        Family::Transport => "Transports",
        Family::HotelsRestaurants => "Restaurant",
        Family::Office => "Cabinet",
        Family::Cleaning => "Services",
        Family::Care => "Soins",
        Family::PersonalServices => "Salon",
        Family::Associations => "Association",
    };
    let s = SURNAMES[rng.random_range(0..SURNAMES.len())];
    format!("{prefix} {s} ({commune})")
}

fn size_for_band<R: Rng + ?Sized>(band: u8, rng: &mut R) -> u32 {
    let log_uniform = |rng: &mut R, lo: f64, hi: f64| {
        (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln()))
            .exp()
            .round() as u32
    };
    match band {
        // A3: mean about 3 employees, 38% with a single employee.
        0 => {
            if rng.random::<f64>() < 0.38 {
                1
            } else {
                let mut s = 2;
                while s < 9 && rng.random::<f64>() < 0.62 {
                    s += 1;
                }
                s
            }
        }
        1 => log_uniform(rng, 10.0, 49.4),
        2 => log_uniform(rng, 50.0, 249.4),
        _ => log_uniform(rng, 250.0, 2000.0),
    }
}

/// What an establishment is, before its traits: sector, size, place, identity.
struct Frame {
    is_iae: bool,
    iae_code: Option<u8>,
    sector: &'static Sector,
    band: u8,
    slots: u32,
    establishment: Establishment,
}

fn draw_frame(
    exp: &Experiment,
    places: &Places<'_>,
    r: &mut EstabRng,
    seen: &mut std::collections::HashSet<u64>,
) -> Frame {
    let p = &exp.generator;
    let (start, end) = (p.coverage_start(), p.coverage_end());
    let is_iae = r.random::<f64>() < p.iae_structure_share;
    let bands: Vec<(u8, f64)> = (0..4).map(|b| (b as u8, p.size_band_shares[b])).collect();
    let mut band = if is_iae { 1 } else { *pick_weighted(r, &bands) };
    let sector: &'static Sector = if is_iae {
        SECTORS
            .iter()
            .find(|s| s.naf == sectors::IAE_NAF)
            .unwrap_or(&SECTORS[0])
    } else {
        let eligible: Vec<(&'static Sector, f64)> = SECTORS
            .iter()
            .filter(|s| s.min_band <= band)
            .map(|s| (s, s.weight))
            .collect();
        let chosen: &&'static Sector = pick_weighted(r, &eligible);
        chosen
    };
    band = band.max(sector.min_band);
    let slots = size_for_band(band, r);
    let commune = places.pick(r);
    let mut siret = make_siret(r);
    while !seen.insert(siret) {
        siret = make_siret(r);
    }
    // Creation: 3% a year during the simulation, otherwise before it.
    let months = p.total_months();
    let creation = if r.random::<f64>() < 0.03 * months as f64 / 12.0 {
        start.add_days(r.random_range(0..start.days_until(end)))
    } else {
        let old = Date::from_ymd(1970, 1, 1).unwrap_or(start);
        old.add_days(r.random_range(0..old.days_until(start.add_days(-365)).max(1)))
    };
    let zone = exp
        .territory
        .zone_of(places.reference, &commune.code, &commune.departement);
    let establishment = Establishment {
        siret,
        name: name_for(sector.family, r, &commune.name),
        naf: sector.naf.to_string(),
        commune: commune.code.clone(),
        departement: commune.departement.clone(),
        region: commune.region.clone(),
        zone,
        creation_date: creation,
    };
    let iae_code = is_iae.then(|| {
        if r.random::<f64>() < 0.7 {
            iae::ACI
        } else {
            iae::EI
        }
    });
    Frame {
        is_iae,
        iae_code,
        sector,
        band,
        slots,
        establishment,
    }
}

/// Draws the latent truth: correlated traits by Cholesky, seasonality, behaviour types.
pub(crate) fn draw_latent(
    p: &GeneratorParams,
    sector: &Sector,
    slots: u32,
    is_iae: bool,
    rt: &mut EstabRng,
) -> Latent {
    let n = Normal::new(0.0, 1.0).expect("unit normal");
    let (z1, z2, z3, zs) = (n.sample(rt), n.sample(rt), n.sample(rt), n.sample(rt));
    let [a, b, c] = p.trait_correlations;
    let l22 = (1.0 - a * a).sqrt();
    let l32 = (c - a * b) / l22;
    let l33 = (1.0 - b * b - l32 * l32).max(0.0).sqrt();
    let oeth_churner =
        slots >= OETH_MIN_SLOTS && !is_iae && rt.random::<f64>() < p.oeth_churner_share;
    let gamer = !is_iae && rt.random::<f64>() < p.gamer_share;
    Latent {
        openness: z1 + if is_iae { 1.0 } else { 0.0 },
        quality: a * z1 + l22 * z2,
        conditions: b * z1 + l32 * z2 + l33 * z3,
        seasonality: season_sd(p, sector) * zs,
        oeth_churner,
        gamer,
    }
}

/// Standard deviation of seasonality in a sector.
fn season_sd(p: &GeneratorParams, sector: &Sector) -> f64 {
    p.seasonality_strength * sectors::seasonality(sector.naf)
}

/// Loadings of a log-normal multiplier on (O, Q, W, S).
#[derive(Clone, Copy)]
struct Loadings(f64, f64, f64, f64);

/// exp(a·(O, Q, W, S) + b·ε − var/2): a multiplier with mean one over establishments.
fn multiplier(a: Loadings, lat: &Latent, b: f64, eps: f64, p: &GeneratorParams, sd_s: f64) -> f64 {
    let [ra, rb, rc] = p.trait_correlations;
    let Loadings(o, q, w, s) = a;
    let var = o * o
        + q * q
        + w * w
        + 2.0 * (o * q * ra + o * w * rb + q * w * rc)
        + (s * sd_s).powi(2)
        + (b * p.trait_noise_sd).powi(2);
    let lp = o * lat.openness + q * lat.quality + w * lat.conditions + s * lat.seasonality;
    (lp + b * eps - var / 2.0).exp()
}

/// The simulation's traits from the latent truth; also fills the truth's trait columns.
fn traits_of(
    p: &GeneratorParams,
    base: &Base,
    sector: &Sector,
    lat: &Latent,
    rt: &mut EstabRng,
    truth: &mut EstablishmentTruth,
) -> Traits {
    let n = Normal::new(0.0, 1.0).expect("unit normal");
    let sd = p.trait_noise_sd;
    let mut z = || sd * n.sample(rt);
    let l = p.trait_loading;
    let (o, q, s) = (lat.openness, lat.quality, lat.seasonality);
    let g = if lat.gamer { GAMER_BOOST } else { 0.0 };
    let oeth = if lat.oeth_churner { OETH_BOETH } else { 0.0 };
    truth.women_shift = 0.5 * l * o * (0.5 - sector.women).signum() + z();
    truth.no_experience_shift = l * o + g + z();
    truth.long_unemployed_shift = l * o + g + z();
    truth.young_shift = 0.6 * l * o + 1.0 * s + z();
    truth.senior_shift = 0.6 * l * o - 0.4 * s + z();
    truth.boeth_shift = l * o + g + oeth + z();
    truth.iae_shift = l * o + g + z();
    truth.work_study_shift = 0.5 * l * (o + q) + z();
    truth.cdi_shift = 0.6 * l * q - 0.8 * s + g + z();
    truth.conversion_shift = 0.5 * l * q - 0.5 * s + z();
    let sd_s = season_sd(p, sector);
    let mut m = |a: Loadings, b: f64| multiplier(a, lat, b, z(), p, sd_s);
    truth.separation_multiplier = m(Loadings(0.0, -0.1, -0.35, 0.35), 0.6);
    truth.accident_multiplier = m(Loadings(0.0, 0.0, -0.3, 0.0), 0.9);
    truth.internship_multiplier = m(Loadings(0.3, 0.2, 0.0, 0.0), 1.0);
    truth.cdd_length_multiplier = m(Loadings(0.0, 0.15, 0.0, -0.2), 0.5);
    truth.short_cdd_multiplier = m(Loadings(0.0, -0.25 * l, 0.0, 0.5), 1.0);
    Traits {
        women: logit(sector.women) + truth.women_shift,
        no_experience: base.no_experience + truth.no_experience_shift,
        long_unemployed: base.long_unemployed + truth.long_unemployed_shift,
        young: base.young + truth.young_shift,
        senior: base.senior + truth.senior_shift,
        boeth: base.boeth + truth.boeth_shift,
        boeth_stock: base.boeth + truth.boeth_shift - g - oeth,
        iae: base.iae + truth.iae_shift,
        work_study: base.work_study + truth.work_study_shift,
        cdi: logit(sector.cdi_share) + truth.cdi_shift,
        conversion: base.conversion + truth.conversion_shift,
        separation: SEPARATION_SCALE * truth.separation_multiplier,
        accident: truth.accident_multiplier,
        internship: truth.internship_multiplier,
        cdd_length: truth.cdd_length_multiplier,
        short_cdd: truth.short_cdd_multiplier,
        boeth_separation: if lat.oeth_churner {
            OETH_SEPARATION
        } else {
            1.0
        },
        late_cut: if lat.gamer { GAMER_LATE_CUT } else { 0.0 },
    }
}

/// Draws every establishment of the experiment, in generation order.
pub(crate) fn draw(
    exp: &Experiment,
    reference: &Reference,
    base: &Base,
) -> Result<Population, SynthError> {
    let p = &exp.generator;
    let places = Places::new(exp, reference)?;
    let n = p.establishments as usize;
    let mut pop = Population {
        establishments: Vec::with_capacity(n),
        estabs: Vec::with_capacity(n),
        truth: Vec::with_capacity(n),
        sirets: Vec::with_capacity(n),
    };
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        let mut r: EstabRng = stream(exp.seed, rng::ESTABLISHMENTS, i as u64, 0);
        let f = draw_frame(exp, &places, &mut r, &mut seen);
        let mut rt: EstabRng = stream(exp.seed, rng::TRAITS, i as u64, 0);
        let lat = draw_latent(p, f.sector, f.slots, f.is_iae, &mut rt);
        let mut truth = EstablishmentTruth::new(f.establishment.siret, i as u32, &lat);
        truth.slots = f.slots;
        truth.size_band = f.band;
        truth.iae_structure = f.is_iae;
        let traits = traits_of(p, base, f.sector, &lat, &mut rt, &mut truth);
        pop.sirets.push(f.establishment.siret);
        pop.estabs.push(Estab {
            sector: f.sector,
            slots: f.slots,
            band: f.band,
            iae: f.iae_code,
            creation: f.establishment.creation_date,
            traits,
            next_free: vec![None; f.slots as usize],
            rehire: Vec::new(),
            short_rate: 0.0,
            arm: 0,
        });
        pop.establishments.push(f.establishment);
        pop.truth.push(truth);
    }
    set_short_rates(&mut pop.estabs, p);
    Ok(pop)
}

/// Short-CDD intensity: B2 × B3 × B8 short CDDs per employee-year on average.
fn set_short_rates(estabs: &mut [Estab], p: &GeneratorParams) {
    let target = p.entry_rate * p.cdd_share * p.short_cdd_share / 12.0;
    let num: f64 = estabs.iter().map(|e| e.slots as f64).sum();
    let den: f64 = estabs
        .iter()
        .map(|e| e.slots as f64 * e.sector.short_cdd * e.traits.short_cdd)
        .sum();
    let norm = if den > 0.0 { num / den } else { 0.0 };
    for e in estabs {
        e.short_rate = target * e.slots as f64 * e.sector.short_cdd * e.traits.short_cdd * norm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latent_traits_have_the_configured_correlations() {
        let p = GeneratorParams::default();
        let sector = &SECTORS[0];
        let n = 20_000;
        let draws: Vec<Latent> = (0..n)
            .map(|i| {
                let mut r = stream(5, rng::TRAITS, i, 0);
                draw_latent(&p, sector, 30, false, &mut r)
            })
            .collect();
        let corr = |f: fn(&Latent) -> f64, g: fn(&Latent) -> f64| {
            let (x, y): (Vec<f64>, Vec<f64>) = draws.iter().map(|l| (f(l), g(l))).unzip();
            crate::stats::describe::pearson(&x, &y).unwrap()
        };
        let [a, b, c] = p.trait_correlations;
        assert!((corr(|l| l.openness, |l| l.quality) - a).abs() < 0.03);
        assert!((corr(|l| l.openness, |l| l.conditions) - b).abs() < 0.03);
        assert!((corr(|l| l.quality, |l| l.conditions) - c).abs() < 0.03);
        let gamers = draws.iter().filter(|l| l.gamer).count() as f64 / n as f64;
        assert!((gamers - p.gamer_share).abs() < 0.01, "{gamers}");
        let oeth = draws.iter().filter(|l| l.oeth_churner).count() as f64 / n as f64;
        assert!((oeth - p.oeth_churner_share).abs() < 0.015, "{oeth}");
    }

    #[test]
    fn multipliers_have_mean_one() {
        let p = GeneratorParams::default();
        let sector = SECTORS.iter().find(|s| s.naf == "5610A").unwrap();
        let n = 40_000;
        let mut sum = 0.0;
        let normal = Normal::new(0.0, 1.0).unwrap();
        for i in 0..n {
            let mut r = stream(9, rng::TRAITS, i, 0);
            let lat = draw_latent(&p, sector, 5, false, &mut r);
            let eps = p.trait_noise_sd * normal.sample(&mut r);
            let sd_s = season_sd(&p, sector);
            sum += multiplier(Loadings(0.1, -0.1, -0.35, 0.35), &lat, 0.6, eps, &p, sd_s);
        }
        let mean = sum / n as f64;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
    }
}
