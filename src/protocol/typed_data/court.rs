// votehub's own kinds (the community court), signed under the domain
// `{name: "votehub", version: "1"}`, as (kind, EIP-712 encodeType). Every
// kind starts with `from`, `space` and `timestamp`, as Snapshot's do; the
// fields are specified in docs/court-messages.md. A change to any of them is
// a new domain version, never an edit here.
pub(super) const SCHEMAS: &[(&str, &str)] = &[
    ("court-settings", "CourtSettings(address from,string space,uint64 timestamp,string settings)"),
    ("volunteer", "Volunteer(address from,string space,uint64 timestamp)"),
    ("withdraw", "Withdraw(address from,string space,uint64 timestamp)"),
    ("election", "Election(address from,string space,uint64 timestamp,string proposal,string role,uint32 seats,uint64 term)"),
    ("claim", "Claim(address from,string space,uint64 timestamp,address respondent,string outcome,string grounds,string[] evidence,string statement)"),
    ("accept-case", "AcceptCase(address from,string space,uint64 timestamp,bytes32 case)"),
    ("answer", "Answer(address from,string space,uint64 timestamp,bytes32 case,string response,string counterclaim,string[] evidence,string statement)"),
    ("settle", "Settle(address from,string space,uint64 timestamp,bytes32 case,string terms)"),
    ("open-jury", "OpenJury(address from,string space,uint64 timestamp,bytes32 case,string[] statements,uint64 block,bytes32 pool,string seed)"),
    ("randomness", "Randomness(address from,string space,uint64 timestamp,bytes32 case,string value)"),
    ("judgement", "Judgement(address from,string space,uint64 timestamp,bytes32 case,uint32 statement,string judgement,string note)"),
    ("ballot", "Ballot(address from,string space,uint64 timestamp,bytes32 case,string decision,string outcome)"),
];
