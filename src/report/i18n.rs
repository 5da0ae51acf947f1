//! User-interface strings (French and English) and number formatting for reports.
//!
//! Every string a reader sees lives here, so a translation is one edit in one file. French is
//! the default (the readers are French policy teams and counsellors). Numbers follow each
//! language's conventions: `1 234,5` and `52,3 %` in French (narrow no-break spaces),
//! `1,234.5` and `52.3%` in English. A missing value is written "n.c." / "n/a", never 0.

use crate::config::Lang;

macro_rules! messages {
    ($($name:ident => $fr:expr, $en:expr;)*) => {
        /// A user-interface message; [`Msg::text`] gives it in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($name),* }
        impl Msg {
            /// The message in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::Fr) => $fr, (Msg::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    // Run report: title and sections.
    ReportTitle => "Rapport d'expérience", "Experiment report";
    SecSummary => "Synthèse pour les décideurs", "Summary for decision makers";
    SecData => "Données et calibrage", "Data and calibration";
    SecScore => "Le score d'engagement", "The engagement score";
    SecExposure => "Évaluation de l'exposition au score", "Evaluation of exposure to the score";
    SecRetention => "Maintien dans l'emploi des personnes orientées", "Job retention of people placed";
    SecMethods => "Notes de méthode et conventions", "Method notes and conventions";
    SecRepro => "Reproductibilité", "Reproducibility";
    NotInRun => "Cette étape n'a pas été exécutée dans ce run.", "This stage was not run.";
    // Summary.
    SumWhat => "Données", "Data";
    SumSynthetic => "données synthétiques calibrées", "calibrated synthetic data";
    SumIngested => "déclarations DSN ingérées", "ingested DSN declarations";
    Establishments => "établissements", "establishments";
    Persons => "personnes", "persons";
    Contracts => "contrats", "contracts";
    Stoppages => "arrêts de travail", "work stoppages";
    Period => "Période", "Period";
    LabelledEstablishments => "Établissements labellisés", "Labelled establishments";
    ScoredEstablishments => "Établissements notés", "Scored establishments";
    NotCalculable => "Non calculables", "Not calculable";
    MainEffects => "Effets estimés de l'exposition", "Estimated effects of exposure";
    RetentionByPolicy => "Maintien dans l'emploi à 6 et 12 mois selon la politique d'orientation", "Retention at 6 and 12 months by orientation policy";
    TrueEffect => "Effet planté (vérité)", "Planted effect (truth)";
    TrueEffectExposed => "Effet vrai sur les exposés", "True effect on the exposed";
    TrueEffectComparison => "Effet vrai sur les comparables (débordement)", "True effect on the comparison group (spillover)";
    ComparisonCellsAffected => "Part des comparables touchés après exposition", "Share of comparison cells affected after exposure";
    JobSeekerPool => "Vivier de demandeurs d'emploi", "Job-seeker pool";
    PoolShared => "partagé par exposés et comparables", "shared by exposed and comparison";
    PoolSeparate => "propre aux exposés", "separate for the exposed";
    ColEstimand => "Vérité visée", "Targeted truth";
    ValidityHeading => "Validité : accord avec la vérité simulée", "Validity: agreement with the simulated truth";
    ValidityIntro => "La vérité du générateur est un résultat : la part des embauches qui sont des personnes éloignées de l'emploi toujours en poste un an après. Corrélation de Spearman entre le score et le rang de cette vérité parmi les pairs, et précision des labels (part des labellisés dont la vérité est dans la même part haute de leurs pairs).", "The generator's truth is an outcome: the share of new hires who are people far from employment and still in the job a year later. Spearman correlation between the score and that truth's rank among peers, and label precision (the share of labelled establishments whose truth is in the same top share of their peers).";
    ColWeighting => "Pondération", "Weighting";
    ColSpearmanAll => "Spearman, tous", "Spearman, all";
    ColMeanOverPeriods => "Moyenne des périodes", "Mean over periods";
    ColPrecisionTop => "Précision, top", "Precision, top";
    WeightingExperiment => "pondération de l'expérience", "experiment's weighting";
    WeightingReversed => "durabilité inversée", "durability reversed";
    WeightingEqual => "poids égaux", "equal weights";
    // Generic columns.
    ColEstimator => "Estimateur", "Estimator";
    ColEstimate => "Estimation", "Estimate";
    ColSe => "Erreur-type", "Std. error";
    ColCi => "IC 95 %", "95% CI";
    ColP => "p", "p";
    ColN => "N", "N";
    ColObs => "Observations", "Observations";
    ColClusters => "Grappes", "Clusters";
    ColGroup => "Groupe", "Group";
    ColPolicy => "Politique", "Policy";
    ColHorizon => "Horizon", "Horizon";
    ColTruth => "Vérité", "Truth";
    ColLevel => "Niveau", "Level";
    ColCount => "Effectif", "Count";
    ColShare => "Part", "Share";
    ColTotal => "Total", "Total";
    ColCode => "Code", "Code";
    ColLabel => "Libellé", "Label";
    ColRule => "Règle", "Rule";
    ColCriterion => "Critère", "Criterion";
    ColDirection => "Sens", "Direction";
    ColWeight => "Poids", "Weight";
    ColValue => "Valeur", "Value";
    ColPeerMedian => "Médiane des pairs", "Peer median";
    ColSubScore => "Sous-score", "Sub-score";
    ColContribution => "Contribution", "Contribution";
    ColTarget => "Cible", "Target";
    ColRealised => "Réalisé", "Realised";
    ColUnit => "Unité", "Unit";
    ColTolerance => "Tolérance", "Tolerance";
    ColStatus => "Statut", "Status";
    ColPosition => "Position par rapport aux pairs", "Position against peers";
    ColVariable => "Variable", "Variable";
    ColExposed => "Exposés", "Exposed";
    ColComparison => "Témoins", "Comparison";
    ColSmdBefore => "DMS avant", "SMD before";
    ColSmdAfter => "DMS après", "SMD after";
    ColBias => "Biais", "Bias";
    ColRmse => "REQM", "RMSE";
    ColCoverage => "Couverture IC 95 %", "95% CI coverage";
    ColRejection => "Taux de rejet", "Rejection rate";
    ColMethod => "Méthode", "Method";
    ColDifference => "Différence", "Difference";
    ColCoef => "Coefficient", "Coefficient";
    ColHr => "Rapport de risques", "Hazard ratio";
    ColTopic => "Sujet", "Topic";
    ColConvention => "Convention", "Convention";
    ColStage => "Étape", "Stage";
    ColSeconds => "Secondes", "Seconds";
    ColFile => "Fichier", "File";
    ColBytes => "Octets", "Bytes";
    ColCohort => "Cohorte", "Cohort";
    ColHired => "Embauchées", "Hired";
    ColSurvival => "Maintien", "Retention";
    ColFrom => "Avant", "From";
    ColTo => "Après", "To";
    Days => "jours", "days";
    Within => "dans la tolérance", "within tolerance";
    Outside => "hors tolérance", "outside tolerance";
    // Data section.
    DataIntro => "Ce qui a été simulé ou ingéré, et l'écart entre les cibles publiées et les valeurs réalisées.", "What was simulated or ingested, and how realised values compare with the published targets.";
    CalibTable => "Cibles de calibrage et valeurs réalisées", "Calibration targets and realised values";
    CalibNote => "Les identifiants renvoient au tableau de calibrage (docs/calibration.md).", "Ids refer to the calibration table (docs/calibration.md).";
    Departements => "Départements", "Départements";
    Source => "Source", "Source";
    // Score section.
    ScoreIntro => "Chaque critère est comparé à la médiane d'établissements comparables, puis pondéré dans un score de 0 à 100.", "Each criterion is compared with the median of comparable establishments, then weighted into a 0–100 score.";
    Criteria => "Critères et poids", "Criteria and weights";
    MoreIsBetter => "plus = mieux", "more is better";
    LessIsBetter => "moins = mieux", "less is better";
    PeerGroups => "Groupes de pairs", "Peer groups";
    PeerDefinition => "Définition", "Definition";
    PeerMinSize => "Taille minimale d'un groupe", "Minimum group size";
    PeerFallback => "Repli", "Fallback";
    PeerShareBase => "Part notée dans son groupe de base", "Share scored in its base group";
    Levels => "Niveaux de label", "Label levels";
    ScoreDistribution => "Distribution des scores", "Score distribution";
    ScoreSummary => "Résumé de la distribution des scores", "Score distribution summary";
    Mean => "Moyenne", "Mean";
    Median => "Médiane", "Median";
    LabelsByLevel => "Établissements par niveau de label", "Establishments by label level";
    LabelsBySector => "Labels par secteur", "Labels by sector";
    LabelsByZone => "Labels par zone d'emploi", "Labels by employment zone";
    Suppressed => "secret", "suppressed";
    SecrecyNote => "Secret statistique : une case est masquée si elle compte moins de 3 établissements ou si l'un d'eux pèse plus de 85 %.", "Statistical secrecy: a cell is hidden when it has fewer than 3 establishments or one of them weighs over 85%.";
    Examples => "Exemples d'explications", "Example explanations";
    ExamplesNote => "Établissements anonymisés. n.c. = non calculable (jamais un zéro silencieux).", "Anonymised establishments. n/a = not calculable (never a silent zero).";
    Transitions => "Changements de niveau entre périodes consécutives", "Level changes between consecutive periods";
    ReferencePeriod => "Période de référence", "Reference period";
    ScoreAxis => "Score (0–100)", "Score (0–100)";
    EstablishmentsAxis => "Établissements", "Establishments";
    Sector => "Secteur", "Sector";
    Zone => "Zone", "Zone";
    // Exposure section.
    ExposureIntro => "Les employeurs non labellisés à qui l'on montre leurs résultats progressent-ils plus vite que des employeurs comparables ?", "Do non-labelled employers who are shown their results improve faster than comparable employers?";
    Design => "Plan d'expérience", "Design";
    Waves => "Vagues d'exposition", "Exposure waves";
    Balance => "Équilibre des covariables", "Covariate balance";
    BalanceNote => "DMS : différence de moyennes standardisée ; |DMS| < 0,1 est usuellement jugée équilibrée.", "SMD: standardised mean difference; |SMD| < 0.1 is usually deemed balanced.";
    Trajectories => "Trajectoires du score moyen", "Mean score trajectories";
    TrajectoriesCaption => "Score moyen par groupe et par période, avec intervalles de confiance à 95 %.", "Mean score by group and period, with 95% confidence bands.";
    Estimates => "Estimations de l'effet", "Effect estimates";
    EventStudy => "Étude d'événement (TWFE)", "Event study (TWFE)";
    EventStudyCaption => "Coefficients par temps relatif à l'exposition (référence −1), IC 95 %.", "Coefficients by time relative to exposure (reference −1), 95% CI.";
    Pretrend => "Test joint des pré-tendances", "Joint pre-trend test";
    CsDynamic => "Callaway–Sant'Anna : effet dynamique", "Callaway–Sant'Anna: dynamic effect";
    CsDynamicCaption => "θ(e) par temps depuis l'exposition, IC 95 %.", "θ(e) by time since exposure, 95% CI.";
    MonteCarlo => "Monte Carlo : biais, couverture et puissance", "Monte Carlo: bias, coverage and power";
    Replications => "réplications", "replications";
    ExampleSheets => "Exemples de fiches envoyées aux employeurs exposés", "Example sheets sent to exposed employers";
    RelTimeAxis => "Périodes relatives à l'exposition", "Periods relative to exposure";
    EffectAxis => "Effet sur le score (points)", "Effect on the score (points)";
    PeriodAxis => "Période", "Period";
    MeanScoreAxis => "Score moyen (points)", "Mean score (points)";
    Statistic => "Statistique", "Statistic";
    Df => "ddl", "df";
    // Retention section.
    RetentionIntro => "Les personnes orientées vers des employeurs labellisés restent-elles plus longtemps en emploi ?", "Do people placed with labelled employers stay longer in their jobs?";
    Cohorts => "Cohortes de demandeurs d'emploi", "Cohorts of job seekers";
    KmGroup => "Courbes de Kaplan–Meier par type d'employeur", "Kaplan–Meier curves by employer group";
    KmPolicy => "Courbes de Kaplan–Meier par politique d'orientation", "Kaplan–Meier curves by orientation policy";
    KmCaption => "Probabilité d'être encore en poste, bandes log(−log) à 95 %.", "Probability of still being in the job, 95% log(−log) bands.";
    DaysAxis => "Jours depuis l'embauche", "Days since hire";
    SurvivalAxis => "Encore en poste (%)", "Still employed (%)";
    RiskDifferences => "Différences de maintien", "Differences in retention";
    Logrank => "Test du log-rank", "Log-rank test";
    Cox => "Modèle de Cox", "Cox model";
    Ties => "Ex aequo", "Ties";
    Events => "événements", "events";
    // Methods and reproducibility.
    MethodsIntro => "Chaque estimateur nomme sa convention ; les valeurs par défaut reproduisent les outils de référence (fixest, did, lifelines) à 1e-6.", "Every estimator names its convention; defaults reproduce the reference tools (fixest, did, lifelines) to 1e-6.";
    SunAbrahamTitle => "Attention :", "Caveat:";
    SunAbraham => "quand l'effet diffère selon la cohorte d'exposition, les coefficients d'une étude d'événement TWFE dynamique sont contaminés par les effets des autres périodes, y compris les avances (Sun & Abraham 2021). Lire de préférence l'agrégation dynamique de Callaway–Sant'Anna.", "when the effect differs by exposure cohort, the coefficients of a dynamic TWFE event study are contaminated by effects from other periods, leads included (Sun & Abraham 2021). Prefer the Callaway–Sant'Anna dynamic aggregation.";
    MatchingNote => "Les erreurs-types de l'appariement au plus proche voisin ne sont pas obtenues par bootstrap, invalide dans ce cas (Abadie & Imbens 2008).", "Nearest-neighbour matching standard errors are not bootstrapped, which is invalid there (Abadie & Imbens 2008).";
    Notes => "Notes de ce run", "Notes for this run";
    Conventions => "Conventions", "Conventions";
    ReproIntro => "Toutes les valeurs de ce rapport proviennent de results.json, dans le même dossier. Pour relancer l'expérience :", "Every value in this report comes from results.json, in the same folder. To rerun the experiment:";
    RerenderIntro => "Pour régénérer ce rapport sans recalculer :", "To re-render this report without recomputing:";
    Manifest => "Manifeste", "Manifest";
    Experiment => "Expérience", "Experiment";
    ExperimentFile => "Fichier d'expérience", "Experiment file";
    Sha => "SHA-256 de l'expérience", "Experiment SHA-256";
    Seed => "Graine", "Seed";
    Version => "Version", "Version";
    Commit => "Commit", "Commit";
    CreatedAt => "Date", "Date";
    RunId => "Identifiant du run", "Run id";
    Inputs => "Fichiers d'entrée", "Input files";
    Timings => "Durées par étape", "Timings";
    // Levels and positions.
    Level0 => "non labellisé", "not labelled";
    Level1 => "engagée", "engaged";
    Level2 => "très engagée", "highly engaged";
    Level3 => "exemplaire", "exemplary";
    PosWellAbove => "nettement au-dessus de la médiane des pairs", "well above the peer median";
    PosAbove => "au-dessus de la médiane des pairs", "above the peer median";
    PosNear => "proche de la médiane des pairs", "close to the peer median";
    PosBelow => "en dessous de la médiane des pairs", "below the peer median";
    PosWellBelow => "nettement en dessous de la médiane des pairs", "well below the peer median";
    PosNc => "non calculable", "not calculable";
    PosShortWellAbove => "nettement au-dessus de la médiane", "well above the median";
    PosShortAbove => "au-dessus de la médiane", "above the median";
    PosShortNear => "proche de la médiane", "close to the median";
    PosShortBelow => "en dessous de la médiane", "below the median";
    PosShortWellBelow => "nettement en dessous de la médiane", "well below the median";
    PosWithheld => "non communiqué (trop peu de personnes)", "not shown (too few persons)";
    TrendUp => "en hausse", "rising";
    TrendDown => "en baisse", "falling";
    TrendStable => "stable", "stable";
    TrendNew => "nouveau", "new";
    // Compare.
    CompareTitle => "Comparaison de deux runs", "Comparison of two runs";
    SecCompareRuns => "Les deux runs", "The two runs";
    SecFlips => "Changements de label", "Label flips";
    SecRank => "Corrélation des rangs", "Rank correlation";
    SecEstimateChanges => "Changements des estimations", "Changes in estimates";
    SecWeights => "Poids des critères", "Criterion weights";
    InBoth => "Établissements notés dans les deux runs", "Establishments scored in both runs";
    OnlyA => "Seulement dans A", "Only in A";
    OnlyB => "Seulement dans B", "Only in B";
    Flips => "Labels modifiés", "Labels changed";
    Up => "en hausse", "up";
    Down => "en baisse", "down";
    FlipMatrix => "Niveau dans A (lignes) et dans B (colonnes)", "Level in A (rows) and in B (columns)";
    FlipsBySector => "Changements de label par secteur", "Label flips by sector";
    KendallTau => "τ-b de Kendall", "Kendall's τ-b";
    KendallNote => "Calculé sur les établissements dont le score est calculable dans les deux runs.", "Computed on establishments with a calculable score in both runs.";
    NoScores => "Les deux runs doivent contenir score.reference_scores.", "Both runs must contain score.reference_scores.";
    RunA => "Run A", "Run A";
    RunB => "Run B", "Run B";
    Change => "Écart (B − A)", "Change (B − A)";
    // Counsellor page.
    CounsellorTitle => "Employeurs engagés pour l'inclusion", "Employers engaged in inclusion";
    CounsellorIntro => "Liste classée par niveau de label puis par score. Cliquez sur un employeur pour voir sa position critère par critère.", "Ranked by label level, then score. Click an employer to see its position criterion by criterion.";
    FilterZone => "Zone", "Zone";
    FilterSector => "Secteur", "Sector";
    FilterLevel => "Niveau minimal", "Minimum level";
    FilterAll => "Toutes", "All";
    Search => "Rechercher (nom ou commune)", "Search (name or commune)";
    Shown => "employeurs affichés", "employers shown";
    Score => "Score", "Score";
    Trend => "Tendance", "Trend";
    SizeBand => "Taille", "Size";
    Employees => "salariés", "employees";
    Commune => "Commune", "Commune";
    PrivacyNote => "Les positions sont relatives aux employeurs comparables (même secteur, taille et zone). Aucun effectif de personnes n'est affiché.", "Positions are relative to comparable employers (same sector, size and zone). No count of persons is shown.";
    StandsOut => "Points forts", "Stands out on";
    // Feedback sheet.
    SheetTitle => "Votre résultat d'engagement pour l'inclusion", "Your inclusion engagement result";
    YourLevel => "Votre niveau", "Your level";
    YourScore => "Votre score", "Your score";
    YourTrend => "Évolution", "Trend";
    PeerGroup => "Vos pairs", "Your peers";
    Position => "Votre position, critère par critère", "Your position, criterion by criterion";
    Priorities => "Où progresser en priorité", "Where to progress first";
    PrioritiesIntro => "Les critères où un progrès relèverait le plus votre score, et ce que font les employeurs comparables du niveau supérieur :", "The criteria where progress would raise your score most, and what comparable employers at the next level do:";
    NextLevelDo => "Au niveau supérieur, la médiane de vos pairs est", "At the next level, your peers' median is";
    Gain => "gain possible", "possible gain";
    Points => "points", "points";
    NoPriorities => "Vous êtes au niveau le plus élevé : continuez ainsi.", "You are at the highest level: keep it up.";
    HowComputed => "Comment le score est calculé", "How the score is computed";
    HowComputedText => "Chaque critère est calculé à partir de vos déclarations sociales nominatives (DSN) sur 12 mois glissants, puis comparé à la médiane d'employeurs comparables (même secteur, taille et zone d'emploi). Les petites valeurs sont rapprochées de la médiane pour éviter les effets du hasard. Les critères sont pondérés dans un score de 0 à 100 ; l'intervalle indique l'incertitude. Le niveau de label dépend du score au sein de vos pairs.", "Each criterion is computed from your DSN payroll declarations over a rolling 12 months, then compared with the median of comparable employers (same sector, size and employment zone). Small values are pulled toward the median to avoid luck. Criteria are weighted into a 0–100 score; the interval shows the uncertainty. The label level depends on the score within your peers.";
    Contest => "Contester ou corriger vos données", "Contest or correct your data";
    ContestText => "Si une donnée vous paraît inexacte (contrat mal codé, arrêt mal rattaché), corrigez-la dans votre prochaine DSN ou par une DSN rectificative, puis signalez-le à votre conseiller. Le score est recalculé à chaque trimestre. Vous pouvez aussi contester votre résultat en indiquant votre SIRET et la période concernée.", "If a value looks wrong (a miscoded contract, a misattributed stoppage), correct it in your next DSN or with a corrective DSN, then tell your counsellor. The score is recomputed every quarter. You can also contest your result, giving your SIRET and the period concerned.";
    NextLevel => "Niveau suivant", "Next level";
    Interval => "intervalle", "interval";
    Siret => "SIRET", "SIRET";
}

/// Name of label level `level` (0 = none).
pub fn level_name(level: u8, lang: Lang) -> &'static str {
    match level {
        0 => Msg::Level0.text(lang),
        1 => Msg::Level1.text(lang),
        2 => Msg::Level2.text(lang),
        _ => Msg::Level3.text(lang),
    }
}

fn group_thousands(digits: &str, sep: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3 * sep.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// Narrow no-break space (French thousands separator and before `%`).
pub const NNBSP: char = '\u{202F}';

/// Formats `x` with `decimals` decimals: `1 234,5` (fr), `1,234.5` (en); minus sign U+2212.
/// Non-finite values give an em dash.
pub fn num(x: f64, decimals: usize, lang: Lang) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let (sep, dec) = match lang {
        Lang::Fr => (NNBSP.to_string(), ','),
        Lang::En => (",".to_string(), '.'),
    };
    let mut out = String::new();
    // No minus on a value that rounds to zero.
    let is_zero = s.chars().all(|c| c == '0' || c == '.');
    if x < 0.0 && !is_zero {
        out.push('−');
    }
    out.push_str(&group_thousands(&int, &sep));
    if let Some(f) = frac {
        out.push(dec);
        out.push_str(&f);
    }
    out
}

/// Formats a count with thousands separators.
pub fn int(n: u64, lang: Lang) -> String {
    num(n as f64, 0, lang)
}

/// Formats a share in [0, 1] as a percentage: `52,3 %` (fr), `52.3%` (en).
pub fn pct(share: f64, decimals: usize, lang: Lang) -> String {
    if !share.is_finite() {
        return "—".to_string();
    }
    let v = num(100.0 * share, decimals, lang);
    match lang {
        Lang::Fr => format!("{v}{NNBSP}%"),
        Lang::En => format!("{v}%"),
    }
}

/// Formats an interval: `[1,2 ; 3,4]` (fr), `[1.2, 3.4]` (en).
pub fn interval(lo: f64, hi: f64, decimals: usize, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!(
            "[{} ; {}]",
            num(lo, decimals, lang),
            num(hi, decimals, lang)
        ),
        Lang::En => format!("[{}, {}]", num(lo, decimals, lang), num(hi, decimals, lang)),
    }
}

/// Formats an interval of shares as percentages.
pub fn pct_interval(lo: f64, hi: f64, decimals: usize, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!(
            "[{} ; {}]",
            pct(lo, decimals, lang),
            pct(hi, decimals, lang)
        ),
        Lang::En => format!("[{}, {}]", pct(lo, decimals, lang), pct(hi, decimals, lang)),
    }
}

/// "Not calculable" marker.
pub fn nc(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "n.c.",
        Lang::En => "n/a",
    }
}

/// Formats an optional value, "n.c." when absent.
pub fn opt_num(x: Option<f64>, decimals: usize, lang: Lang) -> String {
    match x {
        Some(v) => num(v, decimals, lang),
        None => nc(lang).to_string(),
    }
}

/// Formats a p-value: `< 0,001` below 0.001, else three decimals.
pub fn p_value(p: f64, lang: Lang) -> String {
    if p.is_finite() && p < 0.001 {
        format!("< {}", num(0.001, 3, lang))
    } else {
        num(p, 3, lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_numbers() {
        assert_eq!(num(1234.56, 1, Lang::Fr), "1\u{202F}234,6");
        assert_eq!(num(1234.56, 1, Lang::En), "1,234.6");
        assert_eq!(num(-0.04, 1, Lang::En), "0.0");
        assert_eq!(num(-2.5, 2, Lang::Fr), "−2,50");
        assert_eq!(num(1_000_000.0, 0, Lang::En), "1,000,000");
        assert_eq!(num(999.0, 0, Lang::En), "999");
        assert_eq!(pct(0.523, 1, Lang::Fr), "52,3\u{202F}%");
        assert_eq!(pct(0.523, 0, Lang::En), "52%");
        assert_eq!(interval(1.0, 2.0, 1, Lang::Fr), "[1,0 ; 2,0]");
        assert_eq!(num(f64::NAN, 1, Lang::Fr), "—");
        assert_eq!(opt_num(None, 1, Lang::Fr), "n.c.");
        assert_eq!(p_value(0.0001, Lang::En), "< 0.001");
    }

    #[test]
    fn every_message_has_both_languages() {
        for m in [Msg::ReportTitle, Msg::SunAbraham, Msg::Siret] {
            assert!(!m.text(Lang::Fr).is_empty() && !m.text(Lang::En).is_empty());
        }
        assert_ne!(Msg::SecScore.text(Lang::Fr), Msg::SecScore.text(Lang::En));
    }
}
