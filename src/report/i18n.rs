//! The one place where keys become words: every string a reader sees, in French and English,
//! and number formatting.
//!
//! Stages return language-free results (criteria, labels, positions, trends, estimators,
//! policies... and numbers); the HTML and Markdown reports, the counsellors' page, the employer
//! sheet and `engagement list` turn them into words here, so one run renders in either
//! language and a translation is one edit in one file. French is the default (the readers are
//! French policy teams and counsellors). [`catalog`] lists every (French, English) pair, so
//! tests can check that a page in one language holds no word of the other.
//!
//! Positions are phrased in the reader's terms: for a criterion where less is better
//! (turnover, early ruptures, accidents), a position better than the peers reads "lower than
//! the peers" — never "above the median", which would read as a higher rate.
//!
//! Numbers follow each language's conventions: `1 234,5` and `52,3 %` in French (narrow
//! no-break spaces), `1,234.5` and `52.3%` in English. A missing value is written "n.c." /
//! "n/a", never 0.

use crate::config::Lang;
use crate::indicators::{Criterion, CRITERIA};
use crate::report::results::{
    Arm, Cohort, Contrast, DataSource, Design, Estimator, ExposureGroup, Method, Note, Policy,
};
use crate::score::peers::{GeoRung, Rung, SectorRung, SizeBand};
use crate::score::publish::{FarFromEmployment, FarStatus};
use crate::score::{Label, NonCalculable, Position, Trend};

/// French or English, by language.
fn pick(lang: Lang, fr: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

macro_rules! messages {
    ($($name:ident => $fr:expr, $en:expr;)*) => {
        /// A user-interface message; [`Msg::text`] gives it in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($name),* }
        impl Msg {
            /// Every message.
            pub const ALL: &'static [Msg] = &[$(Msg::$name),*];
            /// The message in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match self {
                    $(Msg::$name => pick(lang, $fr, $en),)*
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
    RetentionByPolicy => "Maintien dans l'emploi à 6 et 12 mois selon la politique d'orientation", "Retention at 6 and 12 months by orientation policy";
    RetentionByGroup => "Maintien dans l'emploi à 6 et 12 mois selon l'employeur qui embauche", "Retention at 6 and 12 months by hiring employer";
    // Real pilot.
    PilotInputs => "Fichiers de l'évaluation : lignes lues, gardées et écartées (motifs dans rejects/)", "Evaluation files: rows read, kept and set aside (reasons in rejects/)";
    InputRegister => "registre d'exposition", "exposure register";
    InputAwarded => "labels attribués", "awarded labels";
    InputCohort => "cohorte de demandeurs d'emploi", "job-seeker cohort";
    ColRead => "Lues", "Read";
    ColKept => "Gardées", "Kept";
    ColRejected => "Écartées", "Set aside";
    AwardedTable => "Labels attribués et labels calculés", "Awarded and computed labels";
    ColAgreement => "Même niveau", "Same level";
    ColKappa => "Kappa", "Kappa";
    ColAwardedLabelled => "Labellisés (attribués)", "Labelled (awarded)";
    ColComputedLabelled => "Labellisés (calculés)", "Labelled (computed)";
    ColAwardedNotComputed => "Attribué, non calculé", "Awarded, not computed";
    ColComputedNotAwarded => "Calculé, non attribué", "Computed, not awarded";
    ColAwardedNc => "Attribué, score non calculable", "Awarded, score not calculable";
    RealExposureIntro => "L'exposition est celle du registre : qui a reçu son résultat, et quand. Aucun effet vrai n'est connu ; les estimateurs se lisent avec leurs intervalles.", "Exposure is read from the register: who was sent their result, and when. No true effect is known; the estimators are read with their intervals.";
    LinkedCohort => "Cohorte suivie dans la DSN", "Cohort followed in the DSN";
    LinkedPersons => "Personnes de la cohorte", "Persons in the cohort";
    LinkedInDsn => "Présentes dans la DSN", "Found in the DSN";
    LinkedHired => "Embauchées après l'orientation", "Hired after orientation";
    LinkedInWindow => "Embauchées dans la fenêtre (échantillon du maintien)", "Hired within the window (retention sample)";
    LinkedLabelled => "dont chez un employeur labellisé", "of whom by a labelled employer";
    LinkedUnscored => "dont chez un employeur sans label connu", "of whom by an employer without a known label";
    LinkedLabels => "Labels des employeurs", "Employer labels";
    LabelsAwarded => "attribués", "awarded";
    LabelsComputed => "calculés", "computed";
    Extraction => "Date d'extraction (censure)", "Extraction date (censoring)";
    ReturnToWork => "Retour à l'emploi après l'orientation (part embauchée, personnes jamais embauchées censurées à l'extraction)", "Return to work after orientation (share hired, people never hired censored at extraction)";
    ColShareHired => "Part embauchée", "Share hired";
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
    ColHiringEmployer => "Employeur qui embauche", "Hiring employer";
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
    PretrendTest => "Test", "Test";
    PretrendLeads => "Avances testées", "Leads tested";
    PretrendBinned => "Avances anciennes regroupées (test principal)", "Early leads binned (headline test)";
    PretrendAllLeads => "Toutes les avances (secondaire)", "All leads (secondary)";
    PretrendNote => "Test de Wald des avances, convention fixest wald() : F = W/q comparé à F(q, nobs − nparams), covariance CRV1 par établissement. Sans anticipation, le test sur une douzaine d'avances rejette trop souvent ; le test principal regroupe les avances anciennes en une seule.", "Wald test of the leads, fixest wald() convention: F = W/q against F(q, nobs − nparams), CRV1 covariance by establishment. Under no anticipation the test on a dozen leads rejects too often; the headline test bins the early leads into one.";
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
    ConventionsNote => "Chaque convention nomme l'appel de l'outil de référence qu'elle reproduit (en code, identique dans toutes les langues).", "Each convention names the reference tool's call it reproduces (as code, the same in every language).";
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
    // Compare.
    CompareTitle => "Comparaison de deux runs", "Comparison of two runs";
    SecCompareRuns => "Les deux runs", "The two runs";
    SecFlips => "Changements de label", "Label flips";
    SecRank => "Corrélation des rangs", "Rank correlation";
    SecEstimateChanges => "Changements des estimations", "Changes in estimates";
    SecWeights => "Poids des critères", "Criterion weights";
    OnlyA => "Seulement dans A", "Only in A";
    OnlyB => "Seulement dans B", "Only in B";
    FlipsBySector => "Changements de label par secteur", "Label flips by sector";
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
    StandsOut => "Points forts", "Stands out on";
    // Feedback sheet.
    SheetTitle => "Votre résultat d'engagement pour l'inclusion", "Your inclusion engagement result";
    YourLevel => "Votre niveau", "Your level";
    YourScore => "Votre score", "Your score";
    YourTrend => "Évolution", "Trend";
    PeerGroup => "Vos pairs", "Your peers";
    Position => "Votre position, critère par critère", "Your position, criterion by criterion";
    Priorities => "Où progresser en priorité", "Where to progress first";
    Points => "points", "points";
    HowComputed => "Comment le score est calculé", "How the score is computed";
    Contest => "Contester ou corriger vos données", "Contest or correct your data";
    NextLevel => "Niveau suivant", "Next level";
    Interval => "intervalle", "interval";
    Siret => "SIRET", "SIRET";
    TrueEffect => "Effet vrai (connu grâce à la simulation)", "True effect (known from the simulation)";
    ColComparison => "Comparables", "Comparison";
    MainEffects => "Les exposés ont-ils progressé plus vite ?", "Did exposed employers improve faster?";
    // Policy summary.
    PointsUnit => "points de score sur 100", "score points out of 100";
    PrimaryEstimate => "Effet estimé de l'exposition", "Estimated effect of exposure";
    CiReading => "Intervalle de confiance à 95 % : les valeurs de l'effet compatibles avec les données.", "95% confidence interval: the effect sizes compatible with the data.";
    CiIncludesZero => "L'intervalle contient 0 : on ne peut pas conclure que l'exposition a un effet.", "The interval contains 0: we cannot conclude that exposure has an effect.";
    CiPositive => "L'intervalle est entièrement au-dessus de 0 : l'exposition a amélioré les scores.", "The interval lies entirely above 0: exposure improved scores.";
    CiNegative => "L'intervalle est entièrement en dessous de 0 : les scores des exposés ont reculé.", "The interval lies entirely below 0: exposed employers' scores fell.";
    Power => "Puissance de l'essai", "Power of the trial";
    PowerReading => "probabilité qu'un essai de cette taille détecte l'effet vrai au seuil de 5 %", "probability that a trial of this size detects the true effect at the 5% level";
    PowerLow => "Un essai de cette taille détecterait rarement un effet de cette ampleur : un résultat non significatif ne prouve pas l'absence d'effet.", "A trial of this size would rarely detect an effect of this size: a non-significant result does not show that there is no effect.";
    NaiveCaution => "Mise en garde : la comparaison naïve", "Caution: the naive comparison";
    NaiveCautionText => "compare les exposés aux autres après l'exposition sans tenir compte de leurs écarts d'avant. Elle ne mesure pas l'effet de l'exposition.", "compares exposed and other employers after exposure without accounting for their earlier differences. It does not measure the effect of exposure.";
    OtherEstimates => "Autres estimateurs", "Other estimators";
    RetentionHorizonNote => "Les horizons de lecture évitent les durées de contrat usuelles (6 et 12 mois), où beaucoup de contrats s'achèvent le même jour : lire à 180 ou 365 jours pile mesurerait la fin des contrats plutôt que le maintien.", "The reading horizons avoid the usual contract lengths (6 and 12 months), when many contracts end on the same day: reading exactly at 180 or 365 days would measure contract ends rather than retention.";
    RetentionHorizonCoincide => "Attention : un horizon de lecture tombe sur une durée de contrat usuelle (6 ou 12 mois) ; la courbe y chute car beaucoup de contrats s'achèvent ce jour-là.", "Caution: a reading horizon falls on a usual contract length (6 or 12 months); the curve drops there because many contracts end that day.";
    RetentionHeadline => "Maintien dans l'emploi selon la politique d'orientation", "Retention by orientation policy";
    RetentionHeadlineGroup => "Maintien dans l'emploi selon l'employeur qui embauche", "Retention by hiring employer";
    ReturnAt6Months => "Retour à l'emploi à 6 mois", "Back to work at 6 months";
    ReturnAt12Months => "Retour à l'emploi à 12 mois", "Back to work at 12 months";
    ReturnCardDetail => "personnes suivies, IC 95 %", "persons followed, 95% CI";
    // Compare.
    InBoth => "Établissements présents dans les deux runs", "Establishments in both runs";
    ScoredBoth => "Notés dans les deux runs", "Scored in both runs";
    NotCalculableEither => "Non calculables dans au moins un run", "Not calculable in at least one run";
    Flips => "Labels modifiés (établissements notés dans les deux runs)", "Labels changed (establishments scored in both runs)";
    Up => "en hausse", "up";
    Down => "en baisse", "down";
    FlipMatrix => "Label dans A (lignes) et dans B (colonnes)", "Label in A (rows) and in B (columns)";
    KendallTau => "τ-b de Kendall", "Kendall's τ-b";
    Spearman => "ρ de Spearman", "Spearman's ρ";
    KendallNote => "Corrélations de rang calculées sur les établissements dont le score est calculable dans les deux runs.", "Rank correlations on establishments with a calculable score in both runs.";
    NoScores => "Aucun établissement commun : ces runs ne portent pas sur les mêmes données.", "No establishment in common: these runs are not on the same data.";
    FlipList => "La liste des changements de label, établissement par établissement, est dans flips.csv (données de recherche, à ne pas publier).", "The list of label changes, establishment by establishment, is in flips.csv (research data, not for publication).";
    TruthPerRun => "Effet vrai de chaque run", "True effect of each run";
    SecTruth => "Vérité simulée", "Simulated truth";
    // Counsellor page and list.
    FilterSize => "Taille", "Size";
    WhyListed => "Pourquoi cet employeur", "Why this employer";
    WhyLabel => "label attribué car son score est parmi les meilleurs de ses pairs", "label given because its score is among the best of its peers";
    WhyUnlabelled => "score calculable mais sans label", "calculable score but no label";
    NothingCitable => "Aucun critère ne peut être cité un par un (trop peu de personnes pour respecter le secret statistique).", "No criterion can be cited one by one (too few persons to respect statistical secrecy).";
    FewerThanThree => "Moins de 3", "Fewer than 3";
    FarTitle => "Publics éloignés de l'emploi, regroupés", "People far from employment, pooled";
    WithheldNote => "Non communiqués (moins de 11 personnes concernées)", "Not shown (fewer than 11 persons concerned)";
    PrivacyNote => "Les positions sont relatives aux employeurs comparables (même secteur et même taille, dans la même zone, ou plus large quand ils sont trop peu nombreux). Aucun effectif de personnes n'est affiché ; un critère sensible (handicap, chômage de longue durée, IAE) n'est cité qu'avec au moins 11 personnes.", "Positions are relative to comparable employers (same sector and size, in the same zone, or wider when there are too few). No count of persons is shown; a sensitive criterion (disability, long unemployment, IAE) is cited only with at least 11 persons.";
    ColRank => "#", "#";
    ColEstablishment => "Établissement", "Establishment";
    ColStrengths => "Points forts", "Strengths";
    // Employer sheet.
    YourValue => "Votre valeur", "Your value";
    PeersMedian => "Médiane des pairs", "Peers' median";
    SecretValue => "secret", "secret";
    NotCalculableTitle => "Votre score n'est pas calculable cette période", "Your score cannot be calculated this period";
    NcSmallHeadcount => "Votre effectif moyen sur 12 mois est inférieur à 5 salariés : le score n'est calculé qu'à partir de 5 salariés en moyenne, pour ne pas juger sur trop peu de personnes.", "Your average headcount over 12 months is below 5 employees: the score is computed from 5 employees on average, so as not to judge on too few people.";
    NcFewHires => "Vous avez fait moins de 5 embauches sur 12 mois : le score n'est calculé qu'à partir de 5 embauches, pour ne pas juger sur trop peu de recrutements.", "You made fewer than 5 hires over 12 months: the score is computed from 5 hires, so as not to judge on too few hires.";
    NcFewCriteria => "Trop peu de critères sont calculables pour vous (ils portent moins des trois quarts du poids total).", "Too few criteria can be calculated for you (they carry less than three quarters of the total weight).";
    NcNotALabel => "Ce n'est ni une mauvaise note ni un refus de label : le résultat sera calculé dès que ces seuils seront atteints.", "This is neither a bad mark nor a refused label: your result will be computed as soon as these thresholds are reached.";
    NcWhatWouldHelp => "Ce qui rendrait votre score calculable", "What would make your score calculable";
    GatedTitle => "Votre label est plafonné", "Your label is capped";
    GatedText => "Votre score vous placerait au niveau", "Your score would place you at level";
    GatedBecause => "mais le label est plafonné car votre fréquence d'accidents du travail est parmi les plus élevées de vos pairs", "but the label is capped because your work-accident frequency is among the highest of your peers";
    GatedLift => "Réduire les accidents du travail lèvera ce plafond.", "Reducing work accidents will lift this cap.";
    TopLevel => "Vous êtes au niveau le plus élevé. Les leviers ci-dessous aident à le garder.", "You are at the highest level. The levers below help you keep it.";
    NoLever => "Tous vos critères calculables sont au niveau de vos pairs ou au-dessus.", "All your calculable criteria are at or above your peers' level.";
    Levers => "Leviers pour progresser", "Levers to progress";
    LeversIntro => "Les critères où vous êtes en dessous de vos pairs et qui pèsent le plus, avec des actions concrètes et les dispositifs publics qui les accompagnent :", "The criteria where you are below your peers and that weigh most, with concrete actions and the public schemes that support them:";
    Contact => "Contact", "Contact";
    ContestText => "Si une donnée vous paraît inexacte (contrat mal codé, arrêt mal rattaché), corrigez-la dans votre prochaine DSN ou par une DSN rectificative. Le score est recalculé chaque trimestre. Pour contester votre résultat, écrivez en indiquant votre SIRET et la période concernée.", "If a value looks wrong (a miscoded contract, a misattributed stoppage), correct it in your next DSN or with a corrective DSN. The score is recomputed every quarter. To contest your result, write giving your SIRET and the period concerned.";
    HowComputedText => "Chaque critère est calculé à partir de vos déclarations sociales nominatives (DSN) sur 12 mois glissants, puis comparé à des employeurs comparables. Les petites valeurs sont rapprochées de la médiane pour éviter les effets du hasard. Les critères sont pondérés dans un score de 0 à 100 ; l'intervalle indique l'incertitude. Le niveau de label dépend du score au sein de vos pairs : engagée dans les 30 % meilleurs, très engagée dans les 15 %, exemplaire dans les 5 %.", "Each criterion is computed from your DSN payroll declarations over a rolling 12 months, then compared with comparable employers. Small values are pulled toward the median to avoid luck. Criteria are weighted into a 0–100 score; the interval shows the uncertainty. The label depends on the score within your peers: engaged in the best 30%, highly engaged in the best 15%, exemplary in the best 5%.";
    AccidentFrequency => "Fréquence des accidents du travail", "Work-accident frequency";
    PerThousand => "pour 1 000 salariés", "per 1,000 employees";
    ExampleCase => "Cas", "Case";
    CaseCalculable => "score calculable", "calculable score";
    CaseNotCalculable => "score non calculable", "score not calculable";
    CaseGated => "label plafonné", "capped label";
    CaseTopLevel => "niveau le plus élevé", "highest level";
    // Served counsellors' page (`engagement serve`).
    ServedTitle => "Employeurs engagés", "Engaged employers";
    ServedZone => "Zone d'emploi", "Employment zone";
    ServedSector => "Secteur", "Sector";
    ServedSize => "Taille", "Size";
    ServedLevel => "Label", "Label";
    ServedSearch => "Recherche (nom, commune, SIRET)", "Search (name, commune, SIRET)";
    ServedAll => "Toutes", "All";
    ServedLabelled => "Tous les labels", "Every label";
    ServedAtLeast => "au moins", "at least";
    ServedFilter => "Filtrer", "Filter";
    ServedFound => "employeurs trouvés", "employers found";
    ServedPage => "Page", "Page";
    ServedOf => "sur", "of";
    ServedPrevious => "← Précédente", "← Previous";
    ServedNext => "Suivante →", "Next →";
    ServedNothing => "Aucun employeur ne correspond à ces critères.", "No employer matches these filters.";
    ServedWhy => "Pourquoi il est listé", "Why it is listed";
    ServedNothingCitable => "aucun critère citable à lui seul", "no criterion can be cited on its own";
    ServedScore => "Score", "Score";
    ServedPeriod => "Période", "Period";
    ServedTrend => "Tendance sur un an", "Trend over a year";
    ServedCriterion => "Critère", "Criterion";
    ServedWeight => "Poids", "Weight";
    ServedPosition => "Position par rapport aux pairs", "Position against peers";
    ServedHistory => "Historique du label", "Label history";
    ServedWithheld => "non publié (moins de 11 personnes)", "not published (fewer than 11 persons)";
    ServedNotCalculable => "non calculable", "not calculable";
    ServedFar => "Publics éloignés de l'emploi (regroupés)", "People far from employment (pooled)";
    ServedFarPartly => "rien de plus ne peut être publié", "nothing more can be published";
    ServedFarTooFew => "trop peu de personnes pour être publié", "too few persons to be published";
    ServedBack => "← Retour à la liste", "← Back to the list";
    ServedPrivacy => "Positions par rapport aux établissements comparables, jamais de chiffres : un critère sur le handicap, le chômage de longue durée ou l'IAE n'est cité qu'à partir de 11 personnes.", "Positions against comparable establishments, never figures: a criterion on disability, long unemployment or IAE is cited only with at least 11 persons.";
    ServedPeers => "Comparé à", "Compared with";
    ServedCommune => "Commune", "Commune";
    ServedOther => "English", "Français";
    ServedNotFound => "Aucun employeur publié pour ce SIRET.", "No published employer for this SIRET.";
    ServedBadParameter => "Paramètre invalide", "Invalid parameter";
}

/// "label : value" (French spacing) or "label: value".
pub fn kv(k: &str, v: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("{k} : {v}"),
        Lang::En => format!("{k}: {v}"),
    }
}

/// First letter in upper case.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A place in words, saying what kind of place it is.
pub fn place_words(p: &crate::report::names::Place, lang: Lang) -> String {
    use crate::report::names::PlaceKind;
    match (p.kind, lang) {
        (PlaceKind::Departement, Lang::Fr) => format!("département {} ({})", p.name, p.code),
        (PlaceKind::Departement, Lang::En) => format!("{} département ({})", p.name, p.code),
        (PlaceKind::EmploymentZone, Lang::Fr) => format!("zone d'emploi {} ({})", p.name, p.code),
        (PlaceKind::EmploymentZone, Lang::En) => format!("{} employment zone ({})", p.name, p.code),
    }
}

/// Name of a label.
pub fn label_name(l: Label, lang: Lang) -> &'static str {
    match l {
        Label::NotCalculable => pick(lang, "non calculable", "not calculable"),
        Label::None => pick(lang, "non labellisé", "not labelled"),
        Label::Engaged => pick(lang, "engagée", "engaged"),
        Label::HighlyEngaged => pick(lang, "très engagée", "highly engaged"),
        Label::Exemplary => pick(lang, "exemplaire", "exemplary"),
    }
}

/// Name of a label level 0–3.
pub fn level_name(level: u8, lang: Lang) -> &'static str {
    label_name(Label::level_of(level), lang)
}

/// Name of a criterion (sentence case).
pub fn criterion_name(c: Criterion, lang: Lang) -> &'static str {
    use Criterion::*;
    match c {
        WomenBalance => pick(lang, "Mixité des embauches", "Gender balance of hires"),
        NoExperience => pick(
            lang,
            "Embauches sans expérience",
            "Hires without experience",
        ),
        LongUnemployed => pick(
            lang,
            "Embauches après un chômage long",
            "Hires after long unemployment",
        ),
        Under26 => pick(lang, "Embauches de moins de 26 ans", "Hires under 26"),
        Over50 => pick(lang, "Embauches de 50 ans et plus", "Hires aged 50 or more"),
        Boeth => pick(
            lang,
            "Embauches de travailleurs handicapés",
            "Hires of disabled workers",
        ),
        FromIae => pick(
            lang,
            "Embauches issues de l'IAE ou de contrats aidés",
            "Hires from IAE or subsidised jobs",
        ),
        SubsidisedContract => pick(
            lang,
            "Contrats aidés et alternance",
            "Subsidised and work-study contracts",
        ),
        CdiShare => pick(lang, "Part des CDI", "Share of permanent contracts (CDI)"),
        CddMeanDays => pick(
            lang,
            "Durée moyenne des CDD",
            "Mean fixed-term (CDD) length",
        ),
        CddMedianDays => pick(
            lang,
            "Durée médiane des CDD",
            "Median fixed-term (CDD) length",
        ),
        Conversions => pick(lang, "CDD transformés en CDI", "CDD converted to CDI"),
        Internships => pick(
            lang,
            "Stages et immersions accueillis",
            "Internships and immersions hosted",
        ),
        Turnover => pick(lang, "Rotation du personnel", "Staff turnover"),
        EarlyRuptures => pick(lang, "Ruptures précoces", "Early ruptures"),
        AtMpFrequency => pick(lang, "Accidents du travail", "Work accidents"),
    }
}

/// The position of an establishment on a criterion, in the reader's terms: for a criterion
/// where less is better, a favourable position reads as *less* (fewer ruptures, lower
/// turnover), never as "above".
pub fn position_words(c: Criterion, p: Position, lang: Lang) -> &'static str {
    use Criterion::*;
    use Position::*;
    match (c, p) {
        (_, NotCalculable) => pick(lang, "non calculable", "not calculable"),
        (_, Withheld) => pick(
            lang,
            "non communiqué (trop peu de personnes)",
            "not shown (too few persons)",
        ),
        (_, Near) => pick(
            lang,
            "proche de la médiane des pairs",
            "close to the peer median",
        ),
        (Turnover, WellAbove) => pick(
            lang,
            "rotation nettement plus faible que chez la plupart des pairs",
            "much lower turnover than most peers",
        ),
        (Turnover, Above) => pick(
            lang,
            "rotation plus faible que la médiane des pairs",
            "lower turnover than the peer median",
        ),
        (Turnover, Below) => pick(
            lang,
            "rotation plus forte que la médiane des pairs",
            "higher turnover than the peer median",
        ),
        (Turnover, WellBelow) => pick(
            lang,
            "rotation nettement plus forte que chez la plupart des pairs",
            "much higher turnover than most peers",
        ),
        (EarlyRuptures, WellAbove) => pick(
            lang,
            "nettement moins de ruptures que la plupart des pairs",
            "far fewer ruptures than most peers",
        ),
        (EarlyRuptures, Above) => pick(
            lang,
            "moins de ruptures que la médiane des pairs",
            "fewer ruptures than the peer median",
        ),
        (EarlyRuptures, Below) => pick(
            lang,
            "davantage de ruptures que la médiane des pairs",
            "more ruptures than the peer median",
        ),
        (EarlyRuptures, WellBelow) => pick(
            lang,
            "nettement davantage de ruptures que la plupart des pairs",
            "far more ruptures than most peers",
        ),
        (AtMpFrequency, WellAbove) => pick(
            lang,
            "nettement moins d'accidents que la plupart des pairs",
            "far fewer accidents than most peers",
        ),
        (AtMpFrequency, Above) => pick(
            lang,
            "moins d'accidents que la médiane des pairs",
            "fewer accidents than the peer median",
        ),
        (AtMpFrequency, Below) => pick(
            lang,
            "davantage d'accidents que la médiane des pairs",
            "more accidents than the peer median",
        ),
        (AtMpFrequency, WellBelow) => pick(
            lang,
            "nettement davantage d'accidents que la plupart des pairs",
            "far more accidents than most peers",
        ),
        (_, WellAbove) => pick(
            lang,
            "nettement au-dessus de la plupart des pairs",
            "well above most peers",
        ),
        (_, Above) => pick(
            lang,
            "au-dessus de la médiane des pairs",
            "above the peer median",
        ),
        (_, Below) => pick(
            lang,
            "en dessous de la médiane des pairs",
            "below the peer median",
        ),
        (_, WellBelow) => pick(
            lang,
            "nettement en dessous de la plupart des pairs",
            "well below most peers",
        ),
    }
}

/// The pooled "far from employment" block in words: its position, or plainly why nothing
/// can be shown.
pub fn far_words(f: &FarFromEmployment, lang: Lang) -> &'static str {
    use Position::*;
    match f.status {
        FarStatus::Shown(WellAbove) => pick(
            lang,
            "nettement plus d'embauches de ces publics que la plupart des pairs",
            "far more hires from these groups than most peers",
        ),
        FarStatus::Shown(Above) => pick(
            lang,
            "plus d'embauches de ces publics que la médiane des pairs",
            "more hires from these groups than the peer median",
        ),
        FarStatus::Shown(Near) => pick(
            lang,
            "proche de la médiane des pairs",
            "close to the peer median",
        ),
        FarStatus::Shown(Below) => pick(
            lang,
            "moins d'embauches de ces publics que la médiane des pairs",
            "fewer hires from these groups than the peer median",
        ),
        FarStatus::Shown(WellBelow) => pick(
            lang,
            "nettement moins d'embauches de ces publics que la plupart des pairs",
            "far fewer hires from these groups than most peers",
        ),
        FarStatus::PartlyShown => pick(
            lang,
            "rien de plus ne peut être montré : regrouper ces critères révélerait ceux qui ne sont pas communiqués",
            "nothing more can be shown: pooling would reveal the criteria not shown",
        ),
        FarStatus::TooFewPersons => pick(
            lang,
            "rien ne peut être montré, même en regroupant (moins de 11 personnes)",
            "nothing can be shown, even pooled (fewer than 11 persons)",
        ),
        FarStatus::NotCalculable | FarStatus::Shown(NotCalculable | Withheld) => {
            pick(lang, "non calculable", "not calculable")
        }
    }
}

/// Trend with its arrow.
pub fn trend_words(t: Trend, lang: Lang) -> &'static str {
    match t {
        Trend::Up => pick(lang, "↗ en progression", "↗ rising"),
        Trend::Stable => pick(lang, "→ stable", "→ stable"),
        Trend::Down => pick(lang, "↘ en recul", "↘ falling"),
        Trend::New => pick(lang, "• nouveau", "• new"),
    }
}

/// A size band in words.
pub fn size_band(b: SizeBand, lang: Lang) -> &'static str {
    match b {
        SizeBand::Micro => pick(lang, "1 à 9 salariés", "1–9 employees"),
        SizeBand::Small => pick(lang, "10 à 49 salariés", "10–49 employees"),
        SizeBand::Medium => pick(lang, "50 à 249 salariés", "50–249 employees"),
        SizeBand::Large => pick(lang, "250 salariés ou plus", "250 employees or more"),
    }
}

/// Why a score is not calculable.
pub fn non_calculable(r: NonCalculable, lang: Lang) -> &'static str {
    match r {
        NonCalculable::SmallHeadcount => Msg::NcSmallHeadcount.text(lang),
        NonCalculable::FewHires => Msg::NcFewHires.text(lang),
        NonCalculable::FewCriteria => Msg::NcFewCriteria.text(lang),
    }
}

/// Name of an estimator.
pub fn estimator_name(e: Estimator, lang: Lang) -> &'static str {
    match e {
        Estimator::NaivePostDifference => pick(
            lang,
            "Comparaison naïve après exposition",
            "Naive post-exposure comparison",
        ),
        Estimator::Twfe => pick(
            lang,
            "Doubles différences à effets fixes (TWFE)",
            "Two-way fixed effects DiD (TWFE)",
        ),
        Estimator::CsSimple => pick(
            lang,
            "Callaway–Sant'Anna, agrégation simple",
            "Callaway–Sant'Anna, simple aggregation",
        ),
        Estimator::CsDynamic => pick(
            lang,
            "Callaway–Sant'Anna, agrégation dynamique",
            "Callaway–Sant'Anna, dynamic aggregation",
        ),
        Estimator::DifferenceInMeansChange => pick(
            lang,
            "Différence des évolutions moyennes (tirage au sort)",
            "Difference in mean changes (randomised trial)",
        ),
        Estimator::MatchedDid => pick(
            lang,
            "Doubles différences sur paires appariées (score de propension)",
            "Matched DiD (propensity score)",
        ),
    }
}

/// Name of an exposure design.
pub fn design_name(d: Design, lang: Lang) -> &'static str {
    match d {
        Design::Randomised => pick(lang, "essai par tirage au sort", "randomised trial"),
        Design::Staggered => pick(lang, "adoption échelonnée", "staggered adoption"),
        Design::Observational => pick(lang, "étude observationnelle", "observational study"),
    }
}

/// Name of a data source.
pub fn source_name(s: DataSource, lang: Lang) -> &'static str {
    match s {
        DataSource::Synthetic => Msg::SumSynthetic.text(lang),
        DataSource::Dsn => Msg::SumIngested.text(lang),
    }
}

/// Name of an exposure group.
pub fn exposure_group(g: ExposureGroup, lang: Lang) -> &'static str {
    match g {
        ExposureGroup::Exposed => pick(lang, "exposés", "exposed"),
        ExposureGroup::Comparison => {
            pick(lang, "comparables non exposés", "comparison (not exposed)")
        }
    }
}

/// Name of a retention arm (employer group or policy).
pub fn arm_name(a: Arm, lang: Lang) -> &'static str {
    match a {
        Arm::Labelled => pick(lang, "employeurs labellisés", "labelled employers"),
        Arm::Other => pick(lang, "autres employeurs", "other employers"),
        Arm::StatusQuo => pick(
            lang,
            "orientation actuelle (statu quo)",
            "current orientation (status quo)",
        ),
        Arm::LabelPriority => pick(
            lang,
            "priorité aux employeurs labellisés",
            "priority to labelled employers",
        ),
        Arm::Encouragement => pick(lang, "incitation tirée au sort", "randomised encouragement"),
        Arm::Everyone => pick(lang, "toute la cohorte", "whole cohort"),
        Arm::Treatment => pick(lang, "groupe traité", "treatment arm"),
        Arm::Control => pick(lang, "groupe témoin", "control arm"),
    }
}

/// Name of an orientation policy.
pub fn policy_name(p: Policy, lang: Lang) -> &'static str {
    arm_name(Arm::of_policy(p), lang)
}

/// What a retention difference compares.
pub fn contrast_name(c: Contrast, lang: Lang) -> &'static str {
    match c {
        Contrast::LabelledVsOther => pick(lang, "labellisés − autres", "labelled − other"),
        Contrast::EncouragedVsNot => pick(
            lang,
            "conseillers incités − non incités : embauché et toujours en poste",
            "encouraged − not encouraged counsellors: hired and still in the job",
        ),
        Contrast::LabelledPlacementIv => pick(
            lang,
            "placement chez un labellisé (instrument : incitation) : embauché et toujours en poste",
            "labelled placement (instrument: encouragement): hired and still in the job",
        ),
        Contrast::FlaggedHires => pick(
            lang,
            "embauches DSN signalées (IAE, chômage long) : labellisés − autres",
            "flagged DSN hires (IAE, long unemployment): labelled − other",
        ),
        Contrast::CohortLabelledVsOther => pick(
            lang,
            "cohorte suivie : embauchés chez un labellisé − ailleurs",
            "linked cohort: hired by a labelled employer − elsewhere",
        ),
        Contrast::ReturnTreatmentVsControl => pick(
            lang,
            "cohorte suivie : retour à l'emploi, traité − témoin",
            "linked cohort: return to work, treatment − control",
        ),
    }
}

/// Name of a retention estimation method.
pub fn method_name(m: Method, lang: Lang) -> &'static str {
    match m {
        Method::Naive => pick(lang, "comparaison brute", "raw comparison"),
        Method::Ipw => pick(
            lang,
            "pondération inverse (IPW)",
            "inverse probability weighting (IPW)",
        ),
        Method::Itt => pick(
            lang,
            "intention de traiter (ITT)",
            "intention to treat (ITT)",
        ),
        Method::WaldIv => pick(
            lang,
            "Wald (variable instrumentale)",
            "Wald (instrumental variable)",
        ),
    }
}

/// Name of a cohort of job seekers.
pub fn cohort_name(c: Cohort, lang: Lang) -> &'static str {
    match c {
        Cohort::IaeExit => pick(lang, "sorties d'IAE", "IAE exits"),
        Cohort::LongTermUnemployed => {
            pick(lang, "chômeurs de longue durée", "long-term unemployed")
        }
        Cohort::YoungUnqualified => pick(
            lang,
            "moins de 26 ans sans qualification",
            "under 26 without qualification",
        ),
    }
}

/// Every covariate key that has a name.
pub const COVARIATES: [&str; 12] = [
    "baseline_score",
    "log_headcount",
    "hires",
    "exit_rate",
    "age",
    "female",
    "boeth",
    "unemployment_months",
    "iae_history",
    "cohort_long_term",
    "cohort_young",
    "group=labelled",
];

/// Name of a covariate key (balance tables, Cox terms); unknown keys are shown as they are.
pub fn covariate_name(key: &str, lang: Lang) -> String {
    let (fr, en) = match key {
        "baseline_score" => ("score avant exposition", "score before exposure"),
        "log_headcount" => ("effectif (log)", "headcount (log)"),
        "hires" => ("embauches sur 12 mois", "hires over 12 months"),
        "exit_rate" => ("taux de sortie", "exit rate"),
        "age" => ("âge", "age"),
        "female" => ("femme", "woman"),
        "boeth" => ("travailleur handicapé (BOETH)", "disabled worker (BOETH)"),
        "unemployment_months" => ("mois de chômage", "months of unemployment"),
        "iae_history" => ("passé en IAE", "IAE history"),
        "cohort_long_term" => (
            "cohorte chômage de longue durée",
            "long-term unemployed cohort",
        ),
        "cohort_young" => (
            "cohorte jeunes sans qualification",
            "young unqualified cohort",
        ),
        "group=labelled" => ("employeur labellisé", "labelled employer"),
        other => return other.to_string(),
    };
    pick(lang, fr, en).to_string()
}

/// Every calibration key that has a name.
pub const CALIBRATION_KEYS: [&str; 25] = [
    "cdd_share_of_hires",
    "cdd_under_one_month",
    "cdd_median_days",
    "cdd_mean_days",
    "cdi_ended_within_year",
    "cdi_trial_end_within_year",
    "cdi_resignation_within_year",
    "cdi_ended_within_year_hotels",
    "cdi_ended_within_year_construction",
    "cdi_ended_within_year_industry",
    "cdi_ended_within_year_under_25",
    "apprenticeship_broken",
    "entry_rate",
    "turnover_rate",
    "accidents_per_1000",
    "accidents_per_1000_construction",
    "women_share",
    "women_share_construction",
    "women_share_health",
    "part_time_share",
    "boeth_share_20plus",
    "size_band_1-9",
    "size_band_10-49",
    "size_band_50-249",
    "size_band_250+",
];

/// Name of a calibration target; unknown keys are shown as they are.
pub fn calibration_name(key: &str, lang: Lang) -> String {
    let (fr, en) = match key {
        "cdd_share_of_hires" => (
            "Part des CDD dans les embauches (hors intérim)",
            "CDD share of hires (excl. temp work)",
        ),
        "cdd_under_one_month" => (
            "Part des CDD de moins d'un mois",
            "CDD under one month, share of CDD",
        ),
        "cdd_median_days" => ("Durée médiane des CDD", "Median CDD duration"),
        "cdd_mean_days" => ("Durée moyenne des CDD", "Mean CDD duration"),
        "cdi_ended_within_year" => (
            "CDI rompus dans leur première année",
            "CDI ended within their first year",
        ),
        "cdi_trial_end_within_year" => (
            "CDI rompus en période d'essai la première année",
            "CDI ended by the trial period in their first year",
        ),
        "cdi_resignation_within_year" => (
            "CDI rompus par démission la première année",
            "CDI ended by resignation in their first year",
        ),
        "cdi_ended_within_year_hotels" => (
            "CDI rompus la première année, hébergement-restauration",
            "CDI ended within their first year, hotels and restaurants",
        ),
        "cdi_ended_within_year_construction" => (
            "CDI rompus la première année, construction",
            "CDI ended within their first year, construction",
        ),
        "cdi_ended_within_year_industry" => (
            "CDI rompus la première année, industrie",
            "CDI ended within their first year, industry",
        ),
        "cdi_ended_within_year_under_25" => (
            "CDI rompus la première année, embauches de moins de 25 ans",
            "CDI ended within their first year, hires under 25",
        ),
        "apprenticeship_broken" => (
            "Contrats d'apprentissage rompus avant leur terme",
            "Apprenticeships broken before their term",
        ),
        "entry_rate" => ("Taux d'entrée", "Entry rate"),
        "turnover_rate" => (
            "Taux de rotation (moyenne des taux d'entrée et de sortie)",
            "Turnover rate (mean of entry and exit rates)",
        ),
        "accidents_per_1000" => ("Accidents du travail", "Work accidents"),
        "accidents_per_1000_construction" => (
            "Accidents du travail, construction",
            "Work accidents, construction",
        ),
        "women_share" => ("Part des femmes (ETP)", "Women's share of FTE"),
        "women_share_construction" => (
            "Part des femmes, construction",
            "Women's share, construction",
        ),
        "women_share_health" => (
            "Part des femmes, santé et action sociale",
            "Women's share, health and social work",
        ),
        "part_time_share" => (
            "Part des salariés à temps partiel",
            "Part-time share of employees",
        ),
        "boeth_share_20plus" => (
            "Part des BOETH, établissements de 20 salariés ou plus",
            "BOETH share of headcount, establishments of 20+",
        ),
        "size_band_1-9" => (
            "Établissements de 1 à 9 salariés",
            "Establishments with 1–9 employees",
        ),
        "size_band_10-49" => (
            "Établissements de 10 à 49 salariés",
            "Establishments with 10–49 employees",
        ),
        "size_band_50-249" => (
            "Établissements de 50 à 249 salariés",
            "Establishments with 50–249 employees",
        ),
        "size_band_250+" => (
            "Établissements de 250 salariés ou plus",
            "Establishments with 250+ employees",
        ),
        other => return other.to_string(),
    };
    pick(lang, fr, en).to_string()
}

/// Unit of a calibration target.
pub fn calibration_unit(key: &str, lang: Lang) -> &'static str {
    if key.ends_with("_days") {
        pick(lang, "jours", "days")
    } else if key.starts_with("accidents") {
        Msg::PerThousand.text(lang)
    } else if key.ends_with("rate") {
        pick(lang, "par salarié et par an", "per employee-year")
    } else {
        pick(lang, "part", "share")
    }
}

/// A peer-group rung in words: "division NAF × zone d'emploi".
pub fn rung_words(r: Rung, lang: Lang) -> String {
    let sector = match r.sector {
        SectorRung::Group => pick(lang, "groupe NAF", "NAF group"),
        SectorRung::Division => pick(lang, "division NAF", "NAF division"),
        SectorRung::Section => pick(lang, "section NAF", "NAF section"),
        SectorRung::All => pick(lang, "tous secteurs", "all sectors"),
    };
    let geo = match r.geo {
        GeoRung::Zone => pick(lang, "zone d'emploi", "employment zone"),
        GeoRung::Departement => pick(lang, "département", "département"),
        GeoRung::Region => pick(lang, "région", "region"),
        GeoRung::National => pick(lang, "France entière", "all of France"),
    };
    format!("{sector} × {geo}")
}

/// A method note of a run in words.
pub fn note_text(n: &Note, lang: Lang) -> String {
    match n {
        Note::RelativeScores => pick(lang, "L'exposition atteint aussi les comparables, par deux canaux. Les établissements exposés embauchent davantage de chômeurs de longue durée, de travailleurs handicapés et de sortants d'IAE dans le vivier de demandeurs d'emploi qu'ils partagent avec les autres, qui en trouvent moins ; et les scores sont relatifs aux pairs : quand les exposés progressent, la position de leurs pairs recule. Les doubles différences mesurent donc l'effet sur les exposés moins l'effet sur les comparables ; les deux effets et leur différence sont donnés, et chaque estimateur est comparé à la différence.", "Exposure also reaches the comparison group, through two channels. Exposed establishments hire more of the long-term unemployed, disabled workers and IAE leavers from the job-seeker pool they share with the others, who find fewer of them; and scores are relative to peers: when the exposed improve, their peers' positions fall. Difference-in-differences therefore measures the effect on the exposed minus the effect on the comparison group; both effects and their difference are given, and every estimator is compared with the difference.").to_string(),
        Note::PoolSpillover { shared_pool: true } => pick(lang, "Vivier partagé (exposure.shared_pool = true) : `shared_pool = false` donne aux exposés leur propre vivier dans les deux mondes et coupe ce canal ; il ne reste alors que l'effet des scores relatifs.", "Shared pool (exposure.shared_pool = true): `shared_pool = false` gives the exposed their own pool in both worlds and switches that channel off, leaving only the effect of peer-relative scores.").to_string(),
        Note::PoolSpillover { shared_pool: false } => pick(lang, "Viviers séparés (exposure.shared_pool = false) : les exposés embauchent dans leur propre vivier dans les deux mondes ; l'effet sur les comparables ne vient que des scores relatifs aux pairs.", "Separate pools (exposure.shared_pool = false): the exposed hire from their own pool in both worlds; the effect on the comparison group comes only from peer-relative scores.").to_string(),
        Note::SunAbraham => pick(lang, "Avec des effets qui diffèrent selon la cohorte, les coefficients avancés d'une étude d'événement TWFE sont contaminés (Sun et Abraham, 2021) : l'agrégation dynamique de Callaway et Sant'Anna est présentée à côté.", "With effects that differ by cohort, dynamic TWFE leads are contaminated (Sun and Abraham, 2021): the Callaway–Sant'Anna dynamic aggregation is shown alongside.").to_string(),
        Note::IpwWithoutSe { horizon_days, estimate } => match lang {
            Lang::Fr => format!("À {horizon_days} jours, la différence IPW ({}) n'a pas d'erreur-type (retention.ipw_bootstrap < 2) : elle n'est pas dans le tableau.", num(*estimate, 4, lang)),
            Lang::En => format!("At {horizon_days} days, the IPW difference ({}) has no standard error (retention.ipw_bootstrap < 2): it is left out of the table.", num(*estimate, 4, lang)),
        },
        Note::NoIpw { horizon_days } => match lang {
            Lang::Fr => format!("À {horizon_days} jours, pas de différence ajustée par IPW."),
            Lang::En => format!("At {horizon_days} days, no IPW-adjusted difference."),
        },
        Note::WaldUndefined { horizon_days } => match lang {
            Lang::Fr => format!("À {horizon_days} jours, l'estimation de Wald n'est pas définie (première étape trop faible)."),
            Lang::En => format!("At {horizon_days} days, the Wald estimate is undefined (weak first stage)."),
        },
        Note::PeerNormalisation => pick(lang, "Normalisation par les pairs : médiane et écart absolu médian du groupe de pairs (division NAF × tranche de taille × zone, avec replis), rétrécissement bêta-binomial des parts calculées sur peu de personnes.", "Peer normalisation: median and median absolute deviation of the peer group (NAF division × size band × zone, with fallbacks), beta-binomial shrinkage of shares on few persons.").to_string(),
        Note::TruthDefinition => pick(lang, "Vérité : un monde contrefactuel est simulé avec les mêmes nombres aléatoires ; l'effet vrai est donné sur les exposés, sur les comparables (débordement) et comme leur différence, que visent les estimateurs (Callaway et Sant'Anna sur son échantillon d'analyse, les unités observées à chaque période).", "Truth: a counterfactual world is simulated with the same random numbers; the true effect is given on the exposed, on the comparison group (spillover) and as their difference, which the estimators target (Callaway–Sant'Anna on its analysis sample, the units observed in every period).").to_string(),
        Note::Technical { stage, text } => format!("[{stage}] {text}"),
    }
}

/// A lever: concrete actions and public schemes for a criterion (the documented table in
/// `docs/levers.md`).
pub fn lever(c: Criterion, lang: Lang) -> &'static str {
    use Criterion::*;
    match c {
        LongUnemployed => pick(lang, "recruter avec France Travail des demandeurs d'emploi de longue durée, après une période de mise en situation en milieu professionnel (PMSMP) ; le parcours emploi compétences (PEC) et les emplois francs peuvent financer une partie du poste.", "recruit long-term job seekers with France Travail after a work-placement immersion (PMSMP); the PEC subsidised contract and emplois francs can fund part of the job."),
        Boeth => pick(lang, "accueillir des personnes handicapées en immersion (PMSMP) avec Cap emploi, et mobiliser les aides de l'Agefiph à l'embauche et à l'adaptation du poste.", "host disabled people on immersion (PMSMP) with Cap emploi, and use Agefiph's hiring and workplace-adaptation grants."),
        FromIae => pick(lang, "recruter des salariés sortant d'une structure d'insertion (IAE) du territoire ; Les emplois de l'inclusion mettent en relation avec ces structures.", "hire people leaving an integration enterprise (IAE) of the area; Les emplois de l'inclusion connects you with these structures."),
        NoExperience => pick(lang, "ouvrir des postes aux débutants avec un tuteur, et passer par la préparation opérationnelle à l'emploi (POEI) de France Travail pour former avant l'embauche.", "open posts to beginners with a mentor, and use France Travail's pre-hiring training (POEI) to train before hiring."),
        Under26 => pick(lang, "recruter des jeunes en apprentissage ou en contrat de professionnalisation, avec la Mission locale (aide à l'embauche d'alternants).", "hire young people on apprenticeships or professionalisation contracts, with the Mission locale (hiring aid for work-study contracts)."),
        Over50 => pick(lang, "ouvrir vos recrutements aux 50 ans et plus ; le contrat de professionnalisation et les emplois francs sont accessibles aux seniors demandeurs d'emploi.", "open hiring to people aged 50 or more; professionalisation contracts and emplois francs are open to older job seekers."),
        WomenBalance => pick(lang, "diversifier les canaux de recrutement pour les métiers peu mixtes et accueillir des immersions (PMSMP) de candidates et candidats du sexe sous-représenté.", "diversify hiring channels for jobs dominated by one sex and host immersions (PMSMP) of candidates of the under-represented sex."),
        SubsidisedContract => pick(lang, "proposer des contrats en alternance (apprentissage, professionnalisation) ou des contrats aidés (PEC) avec votre conseiller France Travail.", "offer work-study contracts (apprenticeship, professionalisation) or subsidised contracts (PEC) with your France Travail counsellor."),
        CdiShare => pick(lang, "proposer un CDI dès l'embauche sur les postes durables ; les emplois francs aident l'embauche en CDI de résidents des quartiers prioritaires.", "offer a permanent contract (CDI) from the start for lasting posts; emplois francs support CDI hires of residents of priority neighbourhoods."),
        Conversions => pick(lang, "transformer les CDD réussis en CDI, en fixant un entretien avant la fin de chaque CDD.", "convert successful fixed-term contracts into CDI, with an interview before each CDD ends."),
        CddMeanDays | CddMedianDays => pick(lang, "allonger les CDD trop courts en regroupant les missions successives d'une même personne.", "lengthen very short fixed-term contracts by grouping a person's successive assignments."),
        Internships => pick(lang, "accueillir des stagiaires et des immersions (PMSMP, 1 à 4 semaines, sans coût pour vous) proposées par France Travail, Cap emploi ou la Mission locale.", "host interns and immersions (PMSMP, 1 to 4 weeks, free for you) offered by France Travail, Cap emploi or the Mission locale."),
        Turnover => pick(lang, "accompagner les nouvelles recrues pendant la période d'essai (tuteur, point à un mois) ; l'appui France Travail après l'embauche peut y aider.", "support new hires through the trial period (mentor, one-month review); France Travail's post-hiring support can help."),
        EarlyRuptures => pick(lang, "préparer l'intégration (accueil, tutorat, point à 15 jours et à la fin de la période d'essai) pour éviter les ruptures des premiers mois.", "prepare onboarding (welcome, mentoring, reviews after two weeks and at the end of the trial period) to avoid ruptures in the first months."),
        AtMpFrequency => pick(lang, "mettre à jour le document unique d'évaluation des risques et solliciter l'accompagnement prévention de la Carsat (subventions prévention TPE).", "update the occupational risk assessment and ask the Carsat for prevention support (small-business prevention grants)."),
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

/// Formats a signed share as a percentage: `+7,5 %` (fr), `+7.5%` (en).
pub fn signed_pct(share: f64, decimals: usize, lang: Lang) -> String {
    let s = pct(share, decimals, lang);
    if share > 0.0 {
        format!("+{s}")
    } else {
        s
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

/// Every (French, English) pair a reader can see: messages and the names of every key.
pub fn catalog() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut push = |f: &dyn Fn(Lang) -> String| v.push((f(Lang::Fr), f(Lang::En)));
    for &m in Msg::ALL {
        push(&|l| m.text(l).to_string());
    }
    for c in CRITERIA {
        push(&|l| criterion_name(c, l).to_string());
        push(&|l| lever(c, l).to_string());
        for p in Position::ALL {
            push(&|l| position_words(c, p, l).to_string());
        }
    }
    for x in Label::ALL {
        push(&|l| label_name(x, l).to_string());
    }
    for t in [Trend::Up, Trend::Stable, Trend::Down, Trend::New] {
        push(&|l| trend_words(t, l).to_string());
    }
    for b in SizeBand::ALL {
        push(&|l| size_band(b, l).to_string());
    }
    for e in Estimator::ALL {
        push(&|l| estimator_name(e, l).to_string());
    }
    for d in [Design::Randomised, Design::Staggered, Design::Observational] {
        push(&|l| design_name(d, l).to_string());
    }
    for g in [ExposureGroup::Exposed, ExposureGroup::Comparison] {
        push(&|l| exposure_group(g, l).to_string());
    }
    for a in [
        Arm::Labelled,
        Arm::Other,
        Arm::StatusQuo,
        Arm::LabelPriority,
        Arm::Encouragement,
    ] {
        push(&|l| arm_name(a, l).to_string());
    }
    for c in [
        Contrast::LabelledVsOther,
        Contrast::EncouragedVsNot,
        Contrast::LabelledPlacementIv,
        Contrast::FlaggedHires,
    ] {
        push(&|l| contrast_name(c, l).to_string());
    }
    for m in [Method::Naive, Method::Ipw, Method::Itt, Method::WaldIv] {
        push(&|l| method_name(m, l).to_string());
    }
    for c in [
        Cohort::IaeExit,
        Cohort::LongTermUnemployed,
        Cohort::YoungUnqualified,
    ] {
        push(&|l| cohort_name(c, l).to_string());
    }
    for k in COVARIATES {
        push(&|l| covariate_name(k, l));
    }
    for k in CALIBRATION_KEYS {
        push(&|l| calibration_name(k, l));
        push(&|l| calibration_unit(k, l).to_string());
    }
    for n in [
        Note::RelativeScores,
        Note::PoolSpillover { shared_pool: true },
        Note::PoolSpillover { shared_pool: false },
        Note::SunAbraham,
        Note::PeerNormalisation,
        Note::TruthDefinition,
    ] {
        push(&|l| note_text(&n, l));
    }
    v
}

/// Catalog phrases of language `other` that appear in `text` (a page in the other language):
/// phrases that differ between the languages, at least `min_chars` long, matched on word
/// boundaries. Used by the one-language tests.
pub fn foreign_phrases(text: &str, other: Lang, min_chars: usize) -> Vec<String> {
    let cat = catalog();
    let mut found = Vec::new();
    for (fr, en) in &cat {
        let (mine, theirs) = match other {
            Lang::En => (fr, en),
            Lang::Fr => (en, fr),
        };
        if mine == theirs || theirs.chars().count() < min_chars {
            continue;
        }
        // A phrase that also exists in this language (e.g. "Kaplan–Meier") is not foreign.
        if cat.iter().any(|(f, e)| {
            let same = if other == Lang::En { f } else { e };
            same.contains(theirs.as_str())
        }) {
            continue;
        }
        let mut from = 0;
        while let Some(i) = text[from..].find(theirs.as_str()) {
            let a = from + i;
            let b = a + theirs.len();
            // Word boundaries; a file name or identifier (`tables/contracts.parquet`) is
            // not prose.
            let before = text[..a].chars().next_back();
            let mut rest = text[b..].chars();
            let after = rest.next();
            let ident =
                |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/');
            let dotted = after == Some('.') && rest.next().is_some_and(char::is_alphanumeric);
            if !ident(before) && !ident(after) && !dotted {
                found.push(theirs.clone());
                break;
            }
            from = b;
        }
    }
    found.sort();
    found.dedup();
    found
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
        assert_eq!(signed_pct(0.075, 1, Lang::Fr), "+7,5\u{202F}%");
    }

    #[test]
    fn every_entry_has_both_languages_and_keys_match_the_config() {
        for (fr, en) in catalog() {
            assert!(!fr.is_empty() && !en.is_empty(), "{fr:?} / {en:?}");
        }
        assert_ne!(Msg::SecScore.text(Lang::Fr), Msg::SecScore.text(Lang::En));
        // Criterion keys are the same in the config, results.json and `list --format json`.
        for c in CRITERIA {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json.as_str(), Some(c.name()), "{c:?}");
        }
    }

    #[test]
    fn foreign_phrases_are_found_on_word_boundaries() {
        let en = "Summary for decision makers: well above most peers.";
        let found = foreign_phrases(en, Lang::En, 6);
        assert!(
            found.iter().any(|f| f == "Summary for decision makers"),
            "{found:?}"
        );
        assert!(foreign_phrases("Synthèse pour les décideurs", Lang::En, 6).is_empty());
    }
}
