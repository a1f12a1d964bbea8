//! Every reason votehub refuses a message, with Snapshot's exact reply text as
//! its `Display`. The HTTP layer turns a rejection into a status and the
//! `{"error", "error_description"}` body; nothing else formats these strings.

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    // ingestor
    #[error("wrong envelope format")]
    WrongEnvelopeFormat,
    #[error("too large message")]
    TooLargeMessage,
    #[error("wrong timestamp")]
    WrongTimestamp,
    #[error("proposal cannot contain whitespace")]
    ProposalWhitespace,
    #[error("wrong domain")]
    WrongDomain,
    #[error("wrong types")]
    WrongTypes,
    #[error("Invalid space id")]
    InvalidSpaceId,
    #[error("unknown space")]
    UnknownSpace,
    #[error("signature validation failed")]
    SignatureValidationFailed,
    #[error("duplicate message")]
    DuplicateMessage,
    #[error("too large metadata")]
    TooLargeMetadata,
    #[error("unknown proposal")]
    UnknownProposal,
    #[error("invalid choice")]
    InvalidChoice,
    #[error("pinning failed")]
    PinningFailed,
    // alias use and registration
    #[error("alias not allowed for the type: {0}")]
    AliasNotAllowed(&'static str),
    #[error("wrong alias")]
    WrongAlias,
    #[error("wrong alias format")]
    WrongAliasFormat,
    #[error("alias cannot be the same as the address")]
    AliasSameAsAddress,
    #[error("alias is already linked to another address")]
    AliasLinkedElsewhere,
    // vote
    #[error("wrong vote format")]
    WrongVoteFormat,
    #[error("not in voting window")]
    NotInVotingWindow,
    #[error("reason not allowed with shutter")]
    ReasonWithShutter,
    #[error("failed vote validation")]
    FailedVoteValidation,
    #[error("failed to check vote validation")]
    FailedToCheckVoteValidation,
    #[error("no voting power")]
    NoVotingPower,
    #[error("failed to check voting power")]
    FailedToCheckVotingPower,
    #[error("already voted at later time")]
    AlreadyVotedLater,
    #[error("already voted same time with lower index")]
    AlreadyVotedSameTime,
    // proposal
    #[error("invalid space settings: {0}")]
    InvalidSpaceSettings(String),
    #[error("wrong proposal format")]
    WrongProposalFormat,
    #[error("proposal end date must be in the future")]
    EndNotInFuture,
    #[error("wrong choices for basic type voting")]
    WrongBasicChoices,
    #[error("invalid voting delay")]
    InvalidVotingDelay,
    #[error("invalid voting period")]
    InvalidVotingPeriod,
    #[error("invalid voting type")]
    InvalidVotingType,
    #[error("not allowed to set privacy")]
    PrivacyNotAllowed,
    #[error("only space authors can propose")]
    OnlyAuthors,
    #[error("validation failed")]
    ValidationFailed,
    #[error("failed to check validation")]
    FailedToCheckValidation,
    #[error("proposal body length can not exceed {0} characters")]
    BodyTooLong(usize),
    #[error("number of choices can not exceed {0}")]
    TooManyChoices(usize),
    // update / delete / flag proposal
    #[error("proposal already started")]
    ProposalAlreadyStarted,
    #[error("wrong choices for \"{0}\" type voting")]
    WrongChoicesForType(String),
    #[error("Not the author")]
    NotTheAuthor,
    #[error("space voting type mismatch")]
    SpaceVotingTypeMismatch,
    #[error("not authorized to archive proposal")]
    NotAuthorizedToArchive,
    #[error("proposal already flagged")]
    ProposalAlreadyFlagged,
    #[error("not authorized to flag proposal")]
    NotAuthorizedToFlag,
    // settings and spaces
    #[error("id too long")]
    IdTooLong,
    #[error("max number of strategies is {0}")]
    MaxStrategies(usize),
    #[error("not allowed")]
    NotAllowed,
    #[error("not allowed change admins")]
    NotAllowedChangeAdmins,
    #[error("duplicate label id")]
    DuplicateLabelId,
    #[error("duplicate label name")]
    DuplicateLabelName,
    #[error("space deleted, contact admin")]
    SpaceDeleted,
    #[error("space cannot be its own parent")]
    OwnParent,
    #[error("space cannot be its own child")]
    OwnChild,
    #[error("wrong space format")]
    WrongSpaceFormat,
    #[error("strategy '{0}' is not a valid strategy")]
    UnknownStrategy(String),
    #[error("space not found")]
    SpaceNotFound,
    // follow, subscribe, profile, statement
    #[error("you are already following this space")]
    AlreadyFollowing,
    #[error("you can join max {0} spaces")]
    FollowLimit(usize),
    #[error("network {0} is not allowed")]
    NetworkNotAllowed(String),
    #[error("you can only unfollow a space you follow")]
    NotFollowing,
    #[error("wrong profile format")]
    WrongProfileFormat,
    #[error("wrong statement format")]
    WrongStatementFormat,
    // votehub's own kinds
    #[error(transparent)]
    Court(#[from] CourtRefusal),
    // HTTP layer
    #[error("too many requests, refer to https://docs.snapshot.org/tools/api/api-keys#limits")]
    TooManyRequests,
}

impl Rejection {
    /// The HTTP status Snapshot answers with.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::TooManyRequests => 429,
            _ => 400,
        }
    }
}

/// Why a message of votehub's court kinds was refused (docs/court-messages.md
/// lists each with the rule it enforces). The texts are votehub's, not
/// Snapshot's: Snapshot has no such kinds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourtRefusal {
    #[error("wrong {0} format: {1}")]
    Format(&'static str, String),
    #[error("invalid court settings: {0}")]
    Settings(String),
    #[error("only a space admin can do this")]
    NotAdmin,
    #[error("not a volunteer")]
    NotVolunteer,
    #[error("unknown role {0}")]
    UnknownRole(String),
    #[error("the term of role {role} is {expected} seconds, not {given}")]
    WrongTerm {
        role: String,
        expected: u64,
        given: u64,
    },
    #[error("proposal already ended")]
    ElectionClosed,
    #[error("proposal already elects a role")]
    ElectionExists,
    #[error("a proposal that elects a role cannot be changed or deleted")]
    ElectionLocked,
    #[error("every choice of an election must be an address")]
    ChoiceNotAddress,
    #[error("seats must be between 1 and the number of choices")]
    WrongSeats,
    #[error("unknown case")]
    UnknownCase,
    #[error("case closed")]
    CaseClosed,
    #[error("the respondent cannot be the claimant")]
    SelfClaim,
    #[error("not an arbitrator of this space")]
    NotArbitrator,
    #[error("a party cannot run its own case")]
    PartyArbitrator,
    #[error("case already accepted")]
    AlreadyAccepted,
    #[error("case not accepted yet")]
    NotAccepted,
    #[error("only the respondent can answer")]
    NotRespondent,
    #[error("already answered")]
    AlreadyAnswered,
    #[error("the answer deadline has passed")]
    AnswerLate,
    #[error("only a party can settle")]
    NotParty,
    #[error("only the case's arbitrator can do this")]
    NotCaseArbitrator,
    #[error("no impasse: the respondent may still answer")]
    NoImpasse,
    #[error("jury already opened")]
    JuryOpened,
    #[error("pool does not match: expected {0}")]
    PoolMismatch(String),
    #[error("pool too small: {have} eligible, {need} needed")]
    PoolTooSmall { have: usize, need: usize },
    #[error("the randomness source must not exist yet: {0}")]
    SeedNotFuture(String),
    #[error("jury not opened")]
    JuryNotOpened,
    #[error("randomness already given")]
    RandomnessGiven,
    #[error("randomness not available yet: {0}")]
    RandomnessPending(String),
    #[error("wrong randomness: {0}")]
    WrongRandomness(String),
    #[error("jury not drawn yet")]
    NotDrawn,
    #[error("not on the panel of this statement")]
    NotPanelist,
    #[error("unknown statement")]
    UnknownStatement,
    #[error("already judged")]
    AlreadyJudged,
    #[error("not a juror of this case now")]
    NotJuror,
    #[error("already voted")]
    AlreadyBallot,
    #[error("failed to check holdings: {0}")]
    Holdings(String),
}
