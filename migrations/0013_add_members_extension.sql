-- Why: ixmeter's per-member fields beyond attribution (src/members/ixf.schema.ts MemberExtensionShape:
-- local registration, blacklist periods, payee, contacts, port-utilisation threshold), one JSON document
-- per member version, so that every statement reads the member data of its own import.
-- Cost: none (a String column; old rows read '{}').
ALTER TABLE members ADD COLUMN IF NOT EXISTS extension String DEFAULT '{}' AFTER peering_policy;
