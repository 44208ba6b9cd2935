//! `notice completions <shell>`: completion scripts from the parser's own definition.

use notice_tests::OutputExt as _;

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_notice()"),
        ("zsh", "#compdef notice"),
        ("fish", "complete -c notice"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let out = notice_tests::NoticeCommand::new()
            .args(["completions", shell])
            .output();
        out.assert_code(0);
        let text = out.stdout_text();
        assert!(text.contains(needle), "{shell}: {text}");
        for command in ["post", "update", "audit", "completions"] {
            assert!(text.contains(command), "{shell} completion lacks {command}");
        }
    }
    notice_tests::NoticeCommand::new()
        .args(["completions", "tcsh"])
        .output()
        .assert_code(2);
}
