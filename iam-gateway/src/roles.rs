//! A role's documents as stored in moto, read back through IAM.

use iam_eval::Policy;

use crate::error::GatewayError;
use crate::moto::MotoClient;
use crate::xml;

/// What IAM holds about a role: enough to decide requests for it.
#[derive(Debug, Clone)]
pub struct RoleDocuments {
    /// The role's ARN.
    pub arn: String,
    /// The role's unique ID.
    pub role_id: String,
    /// MaxSessionDuration in seconds.
    pub max_session_duration: u32,
    /// The trust policy.
    pub trust: Policy,
    /// Inline and attached managed permission policies.
    pub permissions: Vec<Policy>,
}

/// Reads a role; `Ok(None)` when IAM has no such role.
///
/// # Errors
/// [`GatewayError`] when moto fails or a stored document does not parse.
pub async fn read_role(
    moto: &MotoClient,
    role_name: &str,
) -> Result<Option<RoleDocuments>, GatewayError> {
    let role = match moto.iam("GetRole", &[("RoleName", role_name)]).await {
        Ok(xml) => xml,
        Err(GatewayError::MotoRefused { code, .. }) if code == "NoSuchEntity" => return Ok(None),
        Err(e) => return Err(e),
    };
    let field = |name: &str| xml::first_text(&role, name).unwrap_or_default();
    let trust_text = decode_document(&field("AssumeRolePolicyDocument"));
    let trust = Policy::parse(&format!("{role_name} trust policy"), &trust_text)
        .map_err(|e| GatewayError::Moto(e.to_string()))?;
    let max_session_duration = field("MaxSessionDuration").parse().unwrap_or(3600);

    let mut permissions = Vec::new();
    let names = moto
        .iam("ListRolePolicies", &[("RoleName", role_name)])
        .await?;
    for name in xml::texts_under(&names, "PolicyNames", "member") {
        let got = moto
            .iam(
                "GetRolePolicy",
                &[("RoleName", role_name), ("PolicyName", &name)],
            )
            .await?;
        let text = decode_document(&xml::first_text(&got, "PolicyDocument").unwrap_or_default());
        permissions
            .push(Policy::parse(&name, &text).map_err(|e| GatewayError::Moto(e.to_string()))?);
    }
    let attached = moto
        .iam("ListAttachedRolePolicies", &[("RoleName", role_name)])
        .await?;
    for arn in xml::texts_under(&attached, "AttachedPolicies", "PolicyArn") {
        let policy = moto.iam("GetPolicy", &[("PolicyArn", &arn)]).await?;
        let version = xml::first_text(&policy, "DefaultVersionId").unwrap_or_default();
        let got = moto
            .iam(
                "GetPolicyVersion",
                &[("PolicyArn", &arn), ("VersionId", &version)],
            )
            .await?;
        let text = decode_document(&xml::first_text(&got, "Document").unwrap_or_default());
        permissions
            .push(Policy::parse(&arn, &text).map_err(|e| GatewayError::Moto(e.to_string()))?);
    }
    Ok(Some(RoleDocuments {
        arn: field("Arn"),
        role_id: field("RoleId"),
        max_session_duration,
        trust,
        permissions,
    }))
}

/// IAM returns documents URL-encoded (RFC 3986); moto sometimes does not.
fn decode_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_owned();
    }
    crate::percent::decode(text).unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::decode_document;

    #[test]
    fn decodes_url_encoded_documents_and_keeps_plain_ones() {
        assert_eq!(decode_document("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(decode_document("{\"a\":\"%41\"}"), "{\"a\":\"%41\"}");
    }
}
