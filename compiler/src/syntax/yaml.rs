pub fn parse(_text: &str) -> Result<super::ast::File, Vec<crate::Diagnostic>> {
    Ok(Default::default())
}
