//! Everything staff read, in Japanese, in one place.
//!
//! Error sentences and hints, command results and the demo narration live here so that wording
//! is reviewed together and tests can snapshot it. Nothing here decides anything; callers pick
//! the text. Developer-facing detail (English) stays with the error types.

/// Prefix of an error line.
pub const ERROR_PREFIX: &str = "エラー";
/// Label of the English detail line.
pub const DETAIL_LABEL: &str = "詳細";
/// Label of the next-step line.
pub const HINT_LABEL: &str = "対処";

// --- errors: what happened -------------------------------------------------------------------

/// No state directory could be found.
pub const E_NO_HOME: &str = "設定フォルダの場所が分かりません。";
/// Not initialised.
pub const E_NOT_INITIALIZED: &str = "このPCはまだ初期設定されていません。";
/// Already initialised.
pub const E_ALREADY_INITIALIZED: &str = "このPCは既に初期設定されています。";
/// OQS folder missing.
pub const E_OQS_DIR_MISSING: &str = "OQSフォルダが見つかりません。";
/// An OQS subfolder is missing.
pub const E_OQS_SUBFOLDER: &str =
    "OQSフォルダの中に Req・Res・Face のいずれかがありません。何も変更していません。";
/// Reading or writing the OQS folders or the stored copies failed.
pub const E_OQS_IO: &str = "OQSフォルダまたはこのPCの保存領域を読み書きできません。";
/// Not paired.
pub const E_NOT_PAIRED: &str = "相手のPCとまだペアリングされていません。";
/// State file problem.
pub const E_STATE_IO: &str = "このPCの設定ファイルを読み書きできません。";
/// Another oqs-courier process is in the middle of a step on this PC.
pub const E_BUSY: &str =
    "このPCでは oqs-courier がすでに作業中です。この操作では何も変更していません。";
/// State file damaged.
pub const E_STATE_DAMAGED: &str = "このPCの設定ファイルが壊れています。";
/// The secret key is protected (Windows DPAPI) for another Windows user or PC.
pub const E_KEY_LOCKED: &str = "このPCの鍵（identity.key）を、このWindowsユーザーでは開けません。";
/// State written by a newer version.
pub const E_STATE_NEWER: &str = "このPCの記録は新しいバージョンの oqs-courier で作られています。";
/// Stick missing.
pub const E_STICK_MISSING: &str = "USBメモリが見つかりません。";
/// Stick I/O error.
pub const E_STICK_IO: &str = "USBメモリを読み書きできません。";
/// Stick full.
pub const E_STICK_FULL: &str = "USBメモリの空き容量が足りません。何も書き込んでいません。";
/// Stick read-only.
pub const E_STICK_READ_ONLY: &str =
    "USBメモリが書き込み禁止になっています。何も書き込んでいません。";
/// Stick not enrolled.
pub const E_STICK_NOT_ENROLLED: &str = "登録されていないUSBメモリです。何も読み書きしていません。";
/// Stick of another clinic.
pub const E_STICK_OTHER_PAIR: &str =
    "別の医院（別のPCの組み合わせ）に登録されたUSBメモリです。何も読み書きしていません。";
/// Marker damaged or forged.
pub const E_STICK_BAD_MARKER: &str =
    "USBメモリの登録情報が壊れているか、書き換えられています。何も読み書きしていません。";
/// Stick revoked.
pub const E_STICK_REVOKED: &str =
    "このUSBメモリは使用停止（登録取り消し）になっています。何も読み書きしていません。";
/// Too many entries on the stick.
pub const E_STICK_TOO_MANY: &str =
    "USBメモリに想定外の大量のファイルがあります。何も取り込んでいません。";
/// Package altered / damaged.
pub const E_TAMPERED: &str =
    "USBメモリ上のデータが壊れているか、書き換えられています。何も取り込んでいません。";
/// A package reuses a sequence number: the other PC's state went backwards.
pub const E_SEQ_REUSED: &str = "相手のPCの記録が前の状態に戻っています（同じ通し番号で別のデータが届きました）。何も取り込んでいません。";
/// `seal` was given a folder or something else that is not a file.
pub const E_NOT_A_FILE: &str =
    "送るものとして指定されたのはファイルではありません（フォルダなど）。何も書き込んでいません。";
/// Package from an unpaired PC.
pub const E_UNKNOWN_SENDER: &str =
    "ペアリングしていないPCが作ったデータです。何も取り込んでいません。";
/// Package for another PC.
pub const E_NOT_FOR_US: &str = "別のPC宛てのデータです。何も取り込んでいません。";
/// Package from a newer version.
pub const E_FUTURE_VERSION: &str =
    "新しいバージョンの oqs-courier で作られたデータです。何も取り込んでいません。";
/// Package incomplete.
pub const E_INCOMPLETE: &str = "USBメモリ上のデータが不完全です（書き込み中に抜かれた可能性があります）。何も取り込んでいません。";
/// Source changed while sealing.
pub const E_SOURCE_CHANGED: &str =
    "送るファイルが読み込み中に変更されました。何も書き込んでいません。";
/// File name refused.
pub const E_BAD_NAME: &str = "このファイル名のファイルは運べません。何も書き込んでいません。";
/// A received package names a dangerous file.
pub const E_UNSAFE_NAME: &str = "USBメモリ上のデータに、書き込んではいけない名前のファイルが含まれています。何も取り込んでいません。";
/// Payload too large.
pub const E_TOO_LARGE: &str = "ファイルが大きすぎて1回で運べません。何も書き込んでいません。";
/// Pairing card missing.
pub const E_NO_CARD: &str = "USBメモリに相手のPCのペアリングカードがありません。";
/// Pairing card invalid.
pub const E_BAD_CARD: &str = "USBメモリのペアリングカードが壊れているか、正しくありません。";
/// Own pairing card.
pub const E_OWN_CARD: &str = "USBメモリのペアリングカードは、このPC自身のものです。";
/// Destination conflict.
pub const E_CONFLICT: &str =
    "取り込み先に同じ名前の別のファイルがあります。何も取り込んでいません。";
/// Destination missing.
pub const E_DEST_MISSING: &str = "取り込み先のフォルダが見つかりません。何も取り込んでいません。";
/// Writing into the destination failed.
pub const E_PUBLISH: &str = "取り込み先のフォルダに書き込めません。";
/// A simulator failed.
pub const E_SIMULATOR: &str = "シミュレーターを実行できません。";
/// Crypto / random failure.
pub const E_CRYPTO: &str = "暗号処理に失敗しました。";
/// The operating system did not give the list of drives.
pub const E_DRIVE_LIST: &str = "ドライブ（USBメモリ）の一覧を取得できません。";
/// A name given to this PC or a stick breaks the rule (`crate::label`).
pub const E_BAD_LABEL: &str = "指定された名前は使えません（空、長すぎる、またはタブや改行を含んでいます）。何も変更していません。";

// --- errors: what to do next ----------------------------------------------------------------

/// Hint: set home.
pub const H_NO_HOME: &str =
    "--home で設定フォルダを指定するか、環境変数 OQS_COURIER_HOME を設定してください。";
/// Hint: run init.
pub const H_INIT: &str = "「oqs-courier init --role clinic（または terminal） --oqs-dir OQSフォルダ」で初期設定してください。";
/// Hint: already set up.
pub const H_ALREADY_INITIALIZED: &str =
    "設定はそのまま使えます。やり直す場合は、鍵が失われるため設定担当者に相談してください。";
/// Hint: check OQS folder.
pub const H_OQS_DIR: &str =
    "Req・Res・Face フォルダがあるOQSフォルダの場所を確認して、指定し直してください。";
/// Hint: pair.
pub const H_PAIR: &str =
    "USBメモリを使って両方のPCでペアリングしてください（pair export と pair import）。";
/// Hint: state problem.
pub const H_STATE: &str =
    "PCの空き容量と権限を確認してください。直らない場合は設定担当者に連絡してください。";
/// Hint: the key opens only for the Windows user (or PC) that protected it.
pub const H_KEY_LOCKED: &str = "oqs-courier を初期設定したときと同じWindowsユーザーでサインインして起動してください。それでも開けない場合（Windowsやユーザーを作り直した、パスワードを管理者がリセットした、設定フォルダを別のPCから持ってきた）は、設定担当者が鍵を作り直してペアリングし直してください。";
/// Hint: another step is running.
pub const H_BUSY: &str = "画面に「取り外せます」と出るまでUSBメモリを抜かずに待ってください。作業が終わってから、必要ならもう一度実行してください。";
/// Hint: a package reused a sequence number.
pub const H_SEQ_REUSED: &str = "このUSBメモリは使わずに保管し、設定担当者に連絡してください（相手のPCを以前のバックアップから戻したり、別のPCに移したりしていないか確かめます）。";
/// Hint: `seal` takes files.
pub const H_NOT_A_FILE: &str = "フォルダではなく、送るファイルを1つずつ指定してください。";
/// Hint: reinsert stick.
pub const H_STICK_MISSING: &str = "USBメモリを差し込み直してから、もう一度実行してください。";
/// Hint: stick I/O.
pub const H_STICK_IO: &str = "USBメモリを差し込み直して、もう一度実行してください。直らない場合は別の登録済みUSBメモリを使ってください。";
/// Hint: stick full.
pub const H_STICK_FULL: &str =
    "USBメモリの不要なファイルを削除するか、別の登録済みUSBメモリを使ってください。";
/// Hint: stick read-only.
pub const H_STICK_READ_ONLY: &str =
    "USBメモリの書き込み禁止スイッチを解除して、もう一度実行してください。";
/// Hint: enroll the stick.
pub const H_ENROLL: &str = "このUSBメモリを使う場合は、設定担当者が「oqs-courier stick enroll --stick ドライブ」で登録してください。";
/// Hint: suspicious stick.
pub const H_SUSPICIOUS: &str = "このUSBメモリは使わずに保管し、設定担当者に連絡してください。";
/// Hint: damaged package.
pub const H_TAMPERED: &str = "相手のPCでもう一度USBメモリに書き込んでください。繰り返す場合はUSBメモリを替え、設定担当者に連絡してください。";
/// Hint: update the app.
pub const H_UPDATE: &str =
    "このPCの oqs-courier を相手のPCと同じバージョン以上に更新してください。";
/// Hint: redo on the other PC.
pub const H_INCOMPLETE: &str = "USBメモリを相手のPCに差し込み、もう一度作業してください。";
/// Hint: wait and retry.
pub const H_RETRY_LATER: &str = "しばらく待ってから、もう一度実行してください。";
/// Hint: rename.
pub const H_BAD_NAME: &str =
    "フォルダ記号（\\ / :）や CON・NUL などの予約名を含まないファイル名にしてください。";
/// Hint: split.
pub const H_TOO_LARGE: &str =
    "ファイルを分けて、何回かに分けて運んでください（1回あたり4GB未満）。";
/// Hint: export card first.
pub const H_EXPORT_CARD: &str =
    "先に相手のPCで「pair export」を実行し、そのUSBメモリを差し込んでください。";
/// Hint: use the other PC's card.
pub const H_OTHER_CARD: &str = "相手のPCで作ったペアリングカードを読み込んでください。";
/// Hint: check destination.
pub const H_CONFLICT: &str = "取り込み先フォルダの同名ファイルを確認してください。";
/// Hint: check destination folder.
pub const H_DEST: &str = "取り込み先のフォルダの場所と権限を確認してください。";
/// Hint: restart.
pub const H_RESTART: &str = "PCを再起動してから、もう一度実行してください。";
/// Hint: the drive list failed.
pub const H_DRIVE_LIST: &str =
    "USBメモリを差し込み直してください。直らない場合はPCを再起動してください。";
/// Hint: a valid name.
pub const H_BAD_LABEL: &str =
    "名前は1〜64文字で、タブや改行を含めずに入力してください（例: 受付PC、受付用1）。";

// --- errors: what to do next, on the screen ----------------------------------------------------
//
// The desktop app never tells staff to type a command: where a hint above names one, the app
// shows the variant below instead (`Error::hint_for(Ui::Gui)`).

/// Hint (screen): set home.
pub const H_NO_HOME_GUI: &str = "PCを再起動してから、もう一度起動してください。直らない場合は設定担当者に連絡してください（Windowsのユーザーフォルダが見つかりません）。";
/// Hint (screen): set up.
pub const H_INIT_GUI: &str = "このアプリを起動し直すと「初期設定」の画面が出ます。設定担当者が画面に従って初期設定してください。";
/// Hint (screen): pair.
pub const H_PAIR_GUI: &str = "このアプリを起動し直すと「初期設定」の画面が出ます。両方のPCで「ペアリングを進める」を押し、USBメモリを使ってペアリングしてください。";
/// Hint (screen): enroll the stick.
pub const H_ENROLL_GUI: &str = "このUSBメモリを使う場合は、設定担当者が「設定」の「差し込まれているUSBメモリを登録する」で登録してください。";
/// Hint (screen): the other PC's card first.
pub const H_EXPORT_CARD_GUI: &str =
    "先に相手のPCで「ペアリングを進める」を押し、そのUSBメモリを差し込んでください。";

// --- command results -------------------------------------------------------------------------

/// `init` done.
pub fn initialized(role: &str, home: &str) -> String {
    format!(
        "初期設定が完了しました（役割: {}、設定フォルダ: {home}）。",
        role_name(role)
    )
}

/// Japanese name of a role.
pub fn role_name(role: &str) -> &'static str {
    match role {
        "clinic" => "受付PC（Dynamics）",
        "terminal" => "資格確認端末",
        _ => "不明",
    }
}

/// `pair export` done.
pub fn card_written(path: &str) -> String {
    format!("ペアリングカードをUSBメモリに書き込みました: {path}")
}

/// `pair import` done.
pub fn paired(label: &str) -> String {
    format!("「{label}」とペアリングしました。")
}

/// Re-pairing replaced an old peer.
pub fn pair_replaced(old: &str) -> String {
    format!("注意: これまでのペアリング相手「{old}」との組み合わせは解除されました。")
}

/// The comparison code line.
pub fn comparison_code(code: &str) -> String {
    format!("確認コード: {code}\n両方のPCに同じ確認コードが表示されていることを確かめてください。")
}

/// `pair show` without peer.
pub const NOT_PAIRED_YET: &str = "まだペアリングされていません。";

/// `seal` done.
pub fn sealed(files: usize, seq: u64) -> String {
    format!("{files} 個のファイルを暗号化してUSBメモリに書き込みました（通番 {seq}）。")
}

/// `inspect` summary.
pub fn inspected(packages: usize, files: usize) -> String {
    format!(
        "このPC宛てのパッケージ {packages} 件（ファイル {files} 個）を検証しました。すべて正常です。"
    )
}

/// Packages sealed here that are still on the stick.
pub fn own_in_transit(n: usize) -> String {
    format!("このPCから相手のPCへ運ぶ途中のパッケージ: {n} 件")
}

/// `open` applied something.
pub fn opened(packages: usize, files: usize) -> String {
    format!("{packages} 件のパッケージから {files} 個のファイルを取り込みました。")
}

/// `open` found only packages applied before.
pub fn already_applied(packages: usize) -> String {
    format!("{packages} 件のパッケージは取り込み済みです。何も変更していません。")
}

/// Nothing for this PC on the stick.
pub const NOTHING_FOR_US: &str = "このPC宛てのデータはUSBメモリにありません。";

/// Status word for a package applied before.
pub const STATUS_APPLIED: &str = "取り込み済み";
/// Status word for a new package.
pub const STATUS_NEW: &str = "未取り込み";

// --- OQS summaries (src/oqs) ---

/// A link file whose content cannot be shown (encrypted, PDF, ZIP, broken, wrong encoding).
pub const UNREADABLE: &str = "内容を表示できません";
/// A file that travelled flagged incomplete: its writer never finished it (import prompt note).
pub const INCOMPLETE_FILE: &str = "書き込みが終わらないまま届いたファイルです（途中で切れています）。資格確認端末で確かめてください";
/// Kind: single qualification check.
pub const OQS_KIND_SINGLE: &str = "資格確認";
/// Kind: face-reader / card-reader result.
pub const OQS_KIND_FACE: &str = "顔認証";
/// Kind: bulk check.
pub const OQS_KIND_BULK: &str = "一括照会";
/// Kind: bulk check for medical aid.
pub const OQS_KIND_BULK_AID: &str = "一括照会（医療扶助）";
/// Kind: bulk check for home-visit care.
pub const OQS_KIND_BULK_VISIT: &str = "一括照会（訪問診療）";
/// Kind: bulk check for online care.
pub const OQS_KIND_BULK_ONLINE: &str = "一括照会（オンライン診療）";
/// Kind: 照会番号 registration.
pub const OQS_KIND_REFNO: &str = "照会番号登録";
/// Kind: drug information.
pub const OQS_KIND_DRUG: &str = "薬剤情報";
/// Kind: drug information as PDF.
pub const OQS_KIND_DRUG_PDF: &str = "薬剤情報PDF";
/// Kind: specific health check-up information.
pub const OQS_KIND_CHECKUP: &str = "特定健診情報";
/// Kind: specific health check-up information as PDF.
pub const OQS_KIND_CHECKUP_PDF: &str = "特定健診情報PDF";
/// Kind: file-level error (`.err`).
pub const OQS_KIND_ERROR: &str = "エラー";
/// Kind: a file the courier does not recognise.
pub const OQS_KIND_UNKNOWN: &str = "不明なファイル";
/// State: finished normally.
pub const OQS_STATE_OK: &str = "正常";
/// State: still processing (bulk phase 2 not ready yet).
pub const OQS_STATE_PENDING: &str = "処理中";
/// State: the 連携アプリ reported an error.
pub const OQS_STATE_ERROR: &str = "エラー";
/// State: no status in the file.
pub const OQS_STATE_NONE: &str = "状態不明";
/// Validity 1.
pub const OQS_VALID: &str = "有効";
/// Validity 2.
pub const OQS_INVALID: &str = "無効";
/// Validity 3.
pub const OQS_INVALID_NEWER: &str = "無効（新しい資格あり）";
/// Validity 4.
pub const OQS_NO_QUALIFICATION: &str = "該当資格なし";
/// Validity 5.
pub const OQS_MULTIPLE: &str = "複数該当";
/// Validity 6.
pub const OQS_VALID_UNREGISTERED: &str = "有効（未登録）";
/// A validity or sex code not in the known table.
pub const OQS_UNKNOWN_CODE: &str = "不明";
/// Sex 1.
pub const OQS_SEX_MALE: &str = "男";
/// Sex 2.
pub const OQS_SEX_FEMALE: &str = "女";
/// Sex 3.
pub const OQS_SEX_UNSET: &str = "未設定";
/// Age of a result: today.
pub const OQS_AGE_TODAY: &str = "本日";
/// Age of a result: no date in the file.
pub const OQS_AGE_UNKNOWN: &str = "日付不明";
/// Age of a result dated after today (clock or file is wrong).
pub const OQS_AGE_FUTURE: &str = "日付が未来です";

/// Age of a result: `days` days old.
pub fn oqs_age_days(days: i64) -> String {
    format!("{days}日前")
}

// --- `summary` command labels ---------------------------------------------------------------

/// Label: kind.
pub const L_KIND: &str = "種類";
/// Label: state.
pub const L_STATE: &str = "状態";
/// Label: encoding.
pub const L_ENCODING: &str = "文字コード";
/// Label: result date and age.
pub const L_DATE: &str = "資格確認日";
/// Label: error.
pub const L_ERROR: &str = "エラー内容";
/// Label: patient.
pub const L_PATIENT: &str = "氏名";
/// Label: birth date.
pub const L_BIRTH: &str = "生年月日";
/// Label: sex.
pub const L_SEX: &str = "性別";
/// Label: insurer.
pub const L_INSURER: &str = "保険者番号";
/// Label: card symbol / number / branch.
pub const L_CARD: &str = "記号・番号・枝番";
/// Label: validity.
pub const L_VALIDITY: &str = "資格";
/// Label: reference number.
pub const L_REFNO: &str = "照会番号";
/// Label: reception number (bulk).
pub const L_RECEPTION: &str = "受付番号";
/// Shown for a missing value.
pub const NO_VALUE: &str = "—";

// --- sync, sticks, status, log ---------------------------------------------------------------

/// Stick may be removed.
pub const REMOVABLE: &str = "USBメモリを取り外せます。";
/// Processing.
pub const PROCESSING: &str = "処理中…";
/// Insert a stick.
pub const INSERT_STICK: &str = "USBメモリを差し込んでください。";
/// Import question.
pub const IMPORT_QUESTION: &str = "これらの結果を取り込みますか？ [Y/n] ";
/// Nobody could be asked.
pub const IMPORT_NOT_ASKED: &str =
    "確認できる画面がないため、取り込みは保留しました（次回また表示されます）。";
/// Auto import.
pub const IMPORT_AUTO: &str = "自動取り込みが設定されているため、すべて取り込みます。";

/// Received from the stick.
pub fn received(packages: usize, files: usize) -> String {
    format!("USBメモリから {packages} 件のパッケージ（ファイル {files} 個）を受け取りました。")
}

/// Import prompt heading.
pub fn import_heading(n: usize) -> String {
    format!("取り込み待ちの結果: {n} 件")
}

/// Published into the OQS folders.
pub fn published(n: usize, held: usize) -> String {
    if held > 0 {
        format!("{n} 個のファイルを取り込みました。{held} 個は保留しました。")
    } else {
        format!("{n} 個のファイルを取り込みました。")
    }
}

/// Requests handed to the 連携アプリ.
pub fn requests_published(n: usize) -> String {
    format!("{n} 件の照会を連携アプリに渡しました。")
}

/// Waiting for responses.
pub fn waiting(answered: usize, total: usize) -> String {
    format!("応答待ち {answered}/{total}")
}

/// Package written for the other PC.
pub fn sent(files: usize, seq: u64) -> String {
    format!("相手のPCへ {files} 個のファイルをUSBメモリに書き込みました（通番 {seq}）。")
}

/// Requests still waiting for an answer at the terminal.
pub fn still_awaiting(n: usize) -> String {
    format!("まだ応答のない照会: {n} 件（次回のUSBメモリで届けます）")
}

/// Files whose writer has not finished them yet; they wait in the OQS folder.
pub fn incomplete_waiting(n: usize) -> String {
    format!("書き込みが終わっていないファイル: {n} 件（終わってから次回のUSBメモリで運びます）")
}

/// A size for staff: KB below 1 MB, MB with one decimal below 1 GB, else GB (1 KB = 1,024
/// bytes, as Windows Explorer counts).
pub fn size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    const GB: u64 = MB * 1024;
    match bytes {
        b if b < MB => format!("{} KB", b.div_ceil(KB)),
        b if b < GB => format!("{:.1} MB", b as f64 / MB as f64),
        b => format!("{:.1} GB", b as f64 / GB as f64),
    }
}

/// Files that did not fit on the stick: they wait for the next trip.
pub fn left_behind(n: usize, bytes: u64, need: u64) -> String {
    format!(
        "USBメモリに入りきらないため、{n} 件（{}）は次回のUSBメモリで運びます。一度に運ぶには {} の空きが必要です。",
        size(bytes),
        size(need)
    )
}

/// Figures for a stick too full for even the smallest package.
pub fn no_room(waiting: usize, bytes: u64, need: u64, room: u64) -> String {
    format!(
        "運ぶのを待っているファイル: {waiting} 件（{}）。必要な空き容量: {}（空き: {}）。",
        size(bytes),
        size(need),
        size(room)
    )
}

/// Stick enrolled.
pub fn enrolled(label: &str, id: &str) -> String {
    format!("USBメモリ「{label}」を登録しました（ID {id}）。")
}

/// Stick revoked.
pub fn revoked(id: &str) -> String {
    format!("USBメモリ {id} を使用停止にしました。このPCでは今後使えません。")
}

/// A stick this PC never saw was revoked (the loss procedure revokes on both PCs).
pub fn revoked_unseen(id: &str) -> String {
    format!(
        "USBメモリ {id} はこのPCではまだ使われていませんが、今後使えないように使用停止にしました。番号が正しいか、もう一度確かめてください。"
    )
}

/// Unknown stick id.
pub fn unknown_stick(id: &str) -> String {
    format!("USBメモリ {id} はこのPCに登録されていません。")
}

/// Status lines.
pub fn status_lines(
    role: &str,
    peer: &str,
    waiting_here: usize,
    in_transit: usize,
    to_import: usize,
    awaiting: usize,
    last_trip: &str,
) -> Vec<String> {
    vec![
        format!("役割: {}", role_name(role)),
        format!("ペアリング相手: {peer}"),
        format!("送信待ちのファイル（Req/Res/Face）: {waiting_here}"),
        format!("運搬中（相手の受け取り確認待ち）: {in_transit}"),
        format!("取り込み待ち・保留中の結果: {to_import}"),
        format!("応答待ちの照会: {awaiting}"),
        format!("最後の作業: {last_trip}"),
    ]
}

/// Warning about old unanswered requests.
pub fn old_unanswered(n: usize, hours: i64) -> String {
    format!("注意: {hours} 時間以上応答のない照会が {n} 件あります。")
}

/// CSV header of the audit log export (作業履歴).
pub const LOG_CSV_HEADER: &str =
    "日時,USBメモリ,方向,パッケージ,通番,ファイル名,サイズ,SHA-256,種類,内容,操作者,結果,理由";

// --- desktop app (gui) -------------------------------------------------------------------------

/// Window title.
pub const G_TITLE: &str = "oqs-courier（オンライン資格確認 USB連携）";
/// Button: import.
pub const G_IMPORT: &str = "取り込む";
/// Button: later.
pub const G_LATER: &str = "後で";
/// Button: finish waiting now.
pub const G_FINISH_NOW: &str = "今すぐ終了";
/// Button: back to home.
pub const G_BACK: &str = "戻る";
/// Button: history.
pub const G_HISTORY: &str = "作業履歴";
/// Button: export CSV.
pub const G_EXPORT: &str = "CSVに出力";
/// Button: select all.
pub const G_SELECT_ALL: &str = "すべて選択";
/// Heading of the import prompt.
pub const G_IMPORT_HEADING: &str = "USBメモリに届いた結果";
/// Note under the import prompt.
pub const G_IMPORT_NOTE: &str = "取り込む結果を確認してください（Enter: 取り込む / Esc: 後で）。「!」は本日以外の日付またはエラーです。";
/// Column headings of the import prompt.
pub const G_COLUMNS: [&str; 7] = [
    "種類",
    "氏名",
    "カナ",
    "生年月日",
    "保険者番号",
    "資格",
    "日付",
];
/// Shown while the step runs.
pub const G_WORKING: &str = "処理中…　USBメモリを抜かないでください。";
/// Heading when the stick may be removed.
pub const G_DONE: &str = "USBメモリを取り外せます。";
/// Heading of the problem screen.
pub const G_PROBLEM: &str = "処理できませんでした";
/// The desktop app could not open its window.
pub const G_NO_WINDOW: &str = "画面（ウィンドウ）を開けませんでした。";
/// The desktop app could not start (a message box on Windows; also written to the log named).
pub fn g_startup_failed(what: &str, log: &str) -> String {
    format!(
        "oqs-courier を起動できませんでした。{what}\nPCを再起動してから、もう一度起動してください。直らない場合は設定担当者に連絡してください（記録: {log}）。"
    )
}
/// History heading.
pub const G_HISTORY_HEADING: &str = "作業履歴（新しい順）";

/// Status line: role and peer.
pub fn g_role_line(role: &str, peer: &str) -> String {
    format!("{}　ペアリング相手: {peer}", role_name(role))
}

/// Import result line.
pub fn g_imported(published: usize, held: usize) -> String {
    published_line(published, held)
}

fn published_line(published: usize, held: usize) -> String {
    if held > 0 {
        format!("{published} 件を取り込みました。{held} 件は保留しました（次回また表示されます）。")
    } else {
        format!("{published} 件を取り込みました。")
    }
}

/// Outgoing line of the done screen.
pub fn g_sent(n: usize) -> String {
    format!("相手のPCへ運ぶファイル: {n} 個")
}

/// CSV exported.
pub fn g_exported(path: &str) -> String {
    format!("作業履歴を出力しました: {path}")
}

/// Button: settings.
pub const G_SETTINGS: &str = "設定";
/// Button on the refusal screen of a stick that is not enrolled.
pub const G_ENROLL_THIS: &str = "このUSBメモリを登録する";
/// Done screen when results were imported without the prompt.
pub const G_AUTO_IMPORTED: &str =
    "自動取り込みが有効なため、確認画面を出さずに取り込みました（設定で変更できます）。";
/// A stick was enrolled from the refusal screen.
pub fn g_enrolled_now(label: &str) -> String {
    format!("USBメモリ「{label}」を登録しました。続けて処理します。")
}

/// Defender found something: the step stops before anything is shown or published.
pub const E_DEFENDER_THREAT: &str =
    "受け取ったファイルから Microsoft Defender が脅威を検出しました。取り込みを中止しました。";
/// Next step after a threat.
pub const H_DEFENDER_THREAT: &str = "このUSBメモリは使わずに保管し、設定担当者に連絡してください。";
/// Defender could not scan.
pub const E_DEFENDER_FAILED: &str =
    "Microsoft Defender による検査を実行できませんでした。取り込みを中止しました。";
/// Next step when Defender could not scan.
pub const H_DEFENDER_FAILED: &str = "設定担当者に連絡してください（他のウイルス対策ソフトを使っている場合は、設定で Defender の検査をオフにしてください）。";

// --- set-up wizard (gui) ------------------------------------------------------------------------

/// Wizard heading.
pub const W_TITLE: &str = "初期設定";
/// Step 1.
pub const W_STEP_ROLE: &str = "1. このPCの役割を選んでください";
/// Role button: clinic.
pub const W_ROLE_CLINIC: &str = "クリニック受付PC";
/// Under the clinic button.
pub const W_ROLE_CLINIC_NOTE: &str = "ダイナミクス（レセコン）を使うPC";
/// Role button: terminal.
pub const W_ROLE_TERMINAL: &str = "資格確認端末";
/// Under the terminal button.
pub const W_ROLE_TERMINAL_NOTE: &str = "顔認証付きカードリーダーがつながっているPC";
/// Step 2.
pub const W_STEP_FOLDER: &str = "2. OQSフォルダを指定してください";
/// Under step 2.
pub const W_FOLDER_NOTE: &str =
    "Req・Res・Face の3つのフォルダが入っているフォルダです（通常は C:\\OQS）。";
/// Label of this PC's name.
pub const W_PC_LABEL: &str = "このPCの名前（相手のPCに表示されます）";
/// Default name of a clinic PC.
pub const W_LABEL_CLINIC: &str = "受付PC";
/// Default name of a terminal.
pub const W_LABEL_TERMINAL: &str = "資格確認端末";
/// Button: next.
pub const W_NEXT: &str = "次へ";
/// The OQS folder does not exist.
pub fn w_folder_missing(path: &str) -> String {
    format!("フォルダ「{path}」が見つかりません。場所を確認して入力し直してください。")
}
/// Step 3.
pub const W_STEP_PAIR: &str = "3. 2台のPCをペアリングします";
/// Step 3, no stick yet.
pub const W_PAIR_INSERT: &str = "USBメモリをこのPCに差し込んでください。";
/// Step 3, a stick is present.
pub const W_STICK_PRESENT: &str = "USBメモリが差し込まれています。";
/// Button: pair through the stick.
pub const W_PAIR_GO: &str = "ペアリングを進める";
/// The card was written; the other PC must read it.
pub const W_PAIR_CARD_WRITTEN: &str = "このPCの情報をUSBメモリに書き込みました。USBメモリを相手のPCに差し込み、相手のPCでも「ペアリングを進める」を押してください。相手のPCに番号が表示されたら、USBメモリをこのPCに戻して、もう一度「ペアリングを進める」を押してください。";
/// Heading above the comparison code.
pub const W_PAIR_CODE: &str = "確認番号";
/// The confirmation question.
pub const W_PAIR_SAME: &str = "両方の画面で同じ番号ですか？";
/// Under the code.
pub fn w_pair_with(peer: &str) -> String {
    format!(
        "ペアリング相手: {peer}。相手のPCに番号がまだ表示されていなければ、USBメモリを相手のPCに差し込み「ペアリングを進める」を押してください。"
    )
}
/// Button: the codes are the same.
pub const W_YES: &str = "はい、同じです";
/// Button: the codes differ.
pub const W_NO: &str = "いいえ（やり直す）";
/// After 「いいえ」.
pub const W_PAIR_RETRY: &str = "番号が違うときは、両方のPCでもう一度ペアリングを進めてください。";
/// Step 4.
pub const W_STEP_ENROLL: &str = "4. 使うUSBメモリを登録します";
/// Under step 4.
pub const W_ENROLL_NOTE: &str =
    "登録したUSBメモリだけが使われます。別のUSBメモリを差し込むと続けて登録できます。";
/// Label of the stick's name.
pub const W_STICK_LABEL: &str = "USBメモリの名前";
/// Default stick name.
pub fn w_stick_label(n: usize) -> String {
    format!("受付用{n}")
}
/// Enrolled.
pub fn w_enrolled(label: &str) -> String {
    format!("USBメモリ「{label}」を登録しました。")
}
/// Button: finish the wizard.
pub const W_FINISH: &str = "完了";

// --- settings (gui) -----------------------------------------------------------------------------

/// Settings heading.
pub const S_TITLE: &str = "設定";
/// OQS folder.
pub const S_OQS_DIR: &str = "OQSフォルダ（Req・Res・Face があるフォルダ）";
/// Where the app keeps its data.
pub const S_STATE_DIR: &str = "このアプリのデータの保存場所";
/// This PC's name.
pub const S_LABEL: &str = "このPCの名前";
/// Response wait.
pub const S_WAIT: &str = "応答を待つ時間（秒・資格確認端末）";
/// Retention.
pub const S_RETENTION: &str = "元ファイルの保存日数（資格確認端末）";
/// Settings: longest wait for a file whose content is not complete yet.
pub const S_INCOMPLETE_WAIT: &str = "書きかけを待つ最長時間（秒）";
/// Allowed kinds.
pub const S_KINDS: &str = "運ぶファイルの種類";
/// Names of the kind groups, in the order of `state::KIND_GROUPS`.
pub const S_KIND_NAMES: [&str; 6] = [
    "資格確認",
    "顔認証",
    "一括照会",
    "照会番号",
    "薬剤情報",
    "健診情報",
];
/// Auto-import.
pub const S_AUTO_IMPORT: &str = "自動取り込み（受付PC：確認画面を出さずに取り込む）";
/// Defender scan.
pub const S_DEFENDER: &str = "受け取ったファイルを Microsoft Defender で検査する";
/// Defender on a non-Windows PC.
pub const S_DEFENDER_WINDOWS_ONLY: &str = "（Windows のみ。ほかのOSでは検査しません）";
/// Button: save.
pub const S_SAVE: &str = "保存";
/// Saved.
pub const S_SAVED: &str = "設定を保存しました。";
/// Invalid OQS folder.
pub const S_BAD_OQS_DIR: &str = "OQSフォルダが見つかりません。場所を確認してください。";
/// Missing subfolders.
pub const S_BAD_OQS_SUBFOLDERS: &str =
    "OQSフォルダに Req・Res・Face のフォルダがそろっていません。";
/// Invalid wait.
pub const S_BAD_WAIT: &str = "応答を待つ時間は 1〜600 秒の数字で入力してください。";
/// Invalid retention.
pub const S_BAD_RETENTION: &str = "保存日数は 1〜3650 日の数字で入力してください。";
/// Settings: incomplete-file wait out of range.
pub const S_BAD_INCOMPLETE_WAIT: &str =
    "書きかけのファイルを待つ時間は 1〜3600 秒の数字で入力してください。";
/// No kinds.
pub const S_NO_KINDS: &str = "運ぶファイルの種類を1つ以上選んでください。";
/// Invalid label.
pub const S_BAD_LABEL: &str = "PCの名前を入力してください（64文字まで。タブや改行は使えません）。";

/// Home: files travelling, not yet acknowledged.
pub fn g_home_in_transit(n: usize) -> String {
    format!("運搬中（相手の受け取り確認待ち）: {n} 件")
}
/// Home: results held or waiting for import.
pub fn g_home_to_import(n: usize) -> String {
    format!("取り込み待ち・保留中の結果: {n} 件")
}
/// Home: requests without an answer.
pub fn g_home_awaiting(n: usize) -> String {
    format!("応答待ちの照会: {n} 件")
}
/// Home: last trip.
pub fn g_home_last_trip(t: &str) -> String {
    format!("最後の作業: {t}")
}
/// Home: enrolled sticks.
pub fn g_home_sticks(list: &str) -> String {
    format!("登録済みUSBメモリ: {list}")
}
/// Column headings of the history table.
pub const G_HISTORY_COLUMNS: [&str; 5] = ["日時", "結果", "ファイル名", "内容", "理由"];
/// The audit log's outcome words in the history table (see `gui::outcome_word`).
pub const G_OUTCOME_PUBLISHED: &str = "取り込み・配置";
/// History: received.
pub const G_OUTCOME_RECEIVED: &str = "受信";
/// History: sealed into a package.
pub const G_OUTCOME_SEALED: &str = "送信";
/// History: extracted by hand (`open`).
pub const G_OUTCOME_OPENED: &str = "取り出し（手作業）";
/// History: collected from an OQS folder.
pub const G_OUTCOME_COLLECTED: &str = "取り出し";
/// History: held.
pub const G_OUTCOME_HELD: &str = "保留";
/// History: refused.
pub const G_OUTCOME_REFUSED: &str = "拒否";
/// History: stick enrolled.
pub const G_OUTCOME_ENROLLED: &str = "USBメモリ登録";
/// History: stick revoked.
pub const G_OUTCOME_REVOKED: &str = "USBメモリ使用停止";
/// History: duplicate ignored.
pub const G_OUTCOME_DUPLICATE: &str = "重複（無視）";
/// History: the journal repaired itself.
pub const G_OUTCOME_REPAIRED: &str = "記録の修復";
/// History: the key file was protected.
pub const G_OUTCOME_PROTECTED: &str = "鍵の保護";

// --- selftest (`oqs-courier selftest`, 設定画面「このPCを点検する」) ---------------------------

/// Status marks of the self-test report.
pub const SELFTEST_OK: &str = "[OK]  ";
/// A check that works but should be looked at.
pub const SELFTEST_WARN: &str = "[注意]";
/// A check that failed.
pub const SELFTEST_FAIL: &str = "[NG]  ";
/// A check not made here.
pub const SELFTEST_SKIPPED: &str = "[－]  ";
/// Check titles.
pub const SELFTEST_STATE_DIR: &str = "設定フォルダ";
/// Check title.
pub const SELFTEST_SETUP: &str = "初期設定";
/// Check title.
pub const SELFTEST_KEYS: &str = "鍵";
/// Check title.
pub const SELFTEST_JOURNAL: &str = "記録";
/// Check title.
pub const SELFTEST_PAIRING: &str = "ペアリング";
/// Check title.
pub const SELFTEST_OQS: &str = "OQSフォルダ";
/// Check title.
pub const SELFTEST_DRIVES: &str = "ドライブ";
/// Check title.
pub const SELFTEST_STICK: &str = "USBメモリ";
/// Check title.
pub const SELFTEST_DEFENDER: &str = "Microsoft Defender";
/// Check title.
pub const SELFTEST_CLOCK: &str = "時計";
/// The state directory does not exist.
pub const SELFTEST_STATE_DIR_MISSING: &str = "設定フォルダがありません。初期設定をしてください。";
/// A folder cannot be written.
pub const SELFTEST_NOT_WRITABLE: &str = "書き込めません。PCの空き容量と権限を確認してください。";
/// The keys work and only this user can read them.
pub const SELFTEST_KEYS_OK: &str = "鍵ファイルを開いて署名できました。鍵は保護されています。";
/// The key file can be read by others.
pub const SELFTEST_KEYS_EXPOSED: &str = "鍵ファイルが保護されていません（暗号化されていないか、ほかの利用者から読めます）。設定担当者に連絡してください。";
/// Req, Res and Face work.
pub const SELFTEST_OQS_OK: &str = "Req・Res・Face を読み書きできます。";
/// The drive list failed.
pub const SELFTEST_DRIVES_FAILED: &str = "ドライブの一覧を取得できませんでした。";
/// No stick was given.
pub const SELFTEST_NO_STICK: &str =
    "USBメモリを指定していないため点検していません（差し込んでから点検すると調べます）。";
/// Defender is not available.
pub const SELFTEST_DEFENDER_MISSING: &str = "このPCでは使えません。";
/// The clock went back before the last trip.
pub const SELFTEST_CLOCK_BACK: &str =
    "時計が前回の作業より前に戻っています。日付と時刻の設定を確認してください。";
/// The time zone is not Japan's.
pub const SELFTEST_CLOCK_ZONE: &str =
    "タイムゾーンが日本（UTC+9）ではありません。日付と時刻の設定を確認してください。";
/// The report's closing line.
pub const SELFTEST_NO_PATIENT_DATA: &str = "このレポートには患者さんの情報も連携ファイルの名前も含まれていません。そのままサポートに送れます。";

/// The report's first line.
pub fn selftest_heading(version: &str, os: &str, arch: &str, created: &str) -> String {
    format!("oqs-courier 点検レポート（版 {version}、{os} {arch}、作成 {created}）")
}

/// The report's result line.
pub fn selftest_result(failures: usize, warnings: usize) -> String {
    if failures == 0 && warnings == 0 {
        "結果: 問題はありません。".to_owned()
    } else {
        format!("結果: 問題 {failures} 件、注意 {warnings} 件。")
    }
}

/// A folder that works, with its free space.
pub fn selftest_writable(free: Option<u64>) -> String {
    match free {
        Some(f) => format!("読み書きできます（空き {}）。", size(f)),
        None => "読み書きできます（空き容量は不明）。".to_owned(),
    }
}

/// This PC's role and name.
pub fn selftest_setup(role: &str, label: &str) -> String {
    format!("このPCは「{role}」として設定されています（名前「{label}」）。")
}

/// The journal is sound.
pub fn selftest_journal(to_send: u64, to_import: u64) -> String {
    format!("正常です（送る待ち {to_send} 件、取り込み待ち {to_import} 件）。")
}

/// Paired with the other PC.
pub fn selftest_paired(label: &str) -> String {
    format!("「{label}」とペアリングされています。")
}

/// Some OQS subfolders do not work.
pub fn selftest_oqs_problem(which: &str) -> String {
    format!("{which} を読み書きできません。OQSフォルダの場所と権限を確認してください。")
}

/// The removable drives seen.
pub fn selftest_drives(list: &[String]) -> String {
    if list.is_empty() {
        "USBメモリが見えていません。差し込んでからもう一度点検してください。".to_owned()
    } else {
        format!("見えているUSBメモリ: {}", list.join("、"))
    }
}

/// The stick checked.
pub fn selftest_stick(file_system: Option<&str>, free: Option<u64>, enrolled: bool) -> String {
    format!(
        "{}、空き {}。書き込み・読み出し・削除ができました。{}",
        file_system.unwrap_or("ファイルシステム不明"),
        free.map_or("不明".to_owned(), size),
        if enrolled {
            "このペアに登録済みです。"
        } else {
            "このペアには登録されていません。"
        }
    )
}

/// Defender is available.
pub fn selftest_defender(scan_on: bool) -> String {
    format!(
        "使えます（受け取ったファイルの検査: {}）。",
        if scan_on { "オン" } else { "オフ" }
    )
}

/// The clock as it reads now.
pub fn selftest_clock(now: &str) -> String {
    format!("{now}（日本時間）")
}

/// Settings screen: run the self-test.
pub const G_SELFTEST: &str = "このPCを点検する";
/// The self-test is running.
pub const G_SELFTEST_RUNNING: &str = "点検しています…（数秒かかります）";
/// Save the self-test report.
pub const G_SELFTEST_SAVE: &str = "デスクトップに保存";

/// The self-test report was saved.
pub fn g_selftest_saved(path: &str) -> String {
    format!("点検レポートを保存しました: {path}")
}

// --- sync --dry-run -------------------------------------------------------------------------

/// First line of a dry run.
pub const DRY_RUN_HEADING: &str =
    "（試行）このUSBメモリで作業すると、次のようになります。何も変更していません。";
/// Nothing would be written to the stick.
pub const DRY_NOTHING_TO_SEAL: &str = "USBメモリに書き込むもの: なし";

/// Packages a step would receive.
pub fn dry_received(new: usize, files: usize, applied: usize) -> String {
    format!(
        "受け取るもの: 新しいパッケージ {new} 個（ファイル {files} 個）、受け取り済みで消すもの {applied} 個"
    )
}

/// Rows the clinic's import prompt would show.
pub fn dry_prompt(rows: usize) -> String {
    format!("取り込み画面に出るもの: {rows} 件")
}

/// Requests the terminal would hand over.
pub fn dry_publish(n: usize) -> String {
    format!("Req に渡す照会: {n} 件")
}

/// Files a step would take from the OQS folders.
pub fn dry_collect(n: usize, flagged: usize, waiting: usize) -> String {
    format!(
        "OQSフォルダから取り出すもの: {n} 件（書きかけのまま運ぶもの {flagged} 件）、書き込みが終わるのを待つもの: {waiting} 件"
    )
}

/// Files a step would write to the stick.
pub fn dry_seal(n: usize) -> String {
    format!("USBメモリに書き込むもの: {n} 件（相手のPCへ）")
}

// ---- states of the window (one at a time) --------------------------------------------------------

/// State: nothing to do, waiting for a stick.
pub const ST_IDLE: &str = "USBメモリを待っています";
/// Under the idle state.
pub const ST_IDLE_LINE: &str = "登録済みのUSBメモリを差し込むと、自動で始まります。";
/// State: a step is running.
pub const ST_BUSY: &str = "作業中 — 抜かないでください";
/// Under the busy state while receiving and sealing.
pub const ST_BUSY_LINE: &str = "終わると「取り外せます」と表示されます。";
/// State: the import prompt waits for staff.
pub const ST_YOUR_TURN: &str = "確認してください";
/// State: the stick may be removed.
pub const ST_SAFE: &str = "取り外せます";
/// State: refused or failed.
pub const ST_REFUSED: &str = "処理できませんでした";
/// Clinic's done screen: where the stick goes next.
pub const ST_SAFE_TO_TERMINAL: &str = "このUSBメモリを資格確認端末へ持って行ってください。";
/// Terminal's done screen: where the stick goes next.
pub const ST_SAFE_TO_CLINIC: &str = "このUSBメモリを受付PCへ持って行ってください。";
/// Home with a stick still in after its step.
pub const ST_SAFE_AGAIN: &str = "このUSBメモリの作業は終わっています。";
/// Terminal's waiting screen: what it waits for.
pub const ST_WAITING_LINE: &str = "連携アプリの応答を待っています。";
/// Terminal: stop waiting; the rest travels next time.
pub const G_FINISH_EARLY: &str = "待たずに終える（残りは次回）";

/// Terminal waiting screen: answers so far.
pub fn st_answered(answered: usize, total: usize) -> String {
    format!("応答 {answered} / {total} 件")
}

/// Terminal waiting screen: the countdown.
pub fn st_left(secs: u64) -> String {
    format!("あと {secs} 秒で終わります（応答がそろえば、すぐ終わります）")
}

/// Working screen: what was received.
pub fn st_received(packages: usize, files: usize) -> String {
    format!("✓ 相手のPCから {files} 個のファイルを受け取りました（{packages} 回分）")
}

/// Working and done screens (terminal): requests handed to the 連携アプリ.
pub fn st_requests_handed(n: usize) -> String {
    format!("✓ 照会 {n} 件を連携アプリに渡しました")
}

/// Done screen (clinic): results imported.
pub fn st_imported(n: usize) -> String {
    format!("✓ 結果 {n} 件を取り込みました")
}

/// Done screen (clinic): results held.
pub fn st_held(n: usize) -> String {
    format!("保留 {n} 件（次回また確認できます）")
}

/// Done screen: files put on the stick.
pub fn st_carried(n: usize) -> String {
    format!("✓ 相手のPCへ運ぶファイル {n} 個をUSBメモリに書き込みました")
}

/// Done screen: nothing new to carry.
pub const ST_NOTHING_NEW: &str = "新しく運ぶファイルはありませんでした。";

// ---- history (作業履歴) ---------------------------------------------------------------------------

/// Period: today.
pub const HI_PERIOD_TODAY: &str = "今日";
/// Period: 7 days.
pub const HI_PERIOD_WEEK: &str = "7日間";
/// Period: 30 days.
pub const HI_PERIOD_MONTH: &str = "30日間";
/// Period: everything.
pub const HI_PERIOD_ALL: &str = "すべての期間";
/// Filter: every outcome.
pub const HI_SHOW_ALL: &str = "すべて";
/// Filter: imported.
pub const HI_SHOW_IMPORTED: &str = "取り込み";
/// Filter: held.
pub const HI_SHOW_HELD: &str = "保留";
/// Filter: refused.
pub const HI_SHOW_REFUSED: &str = "拒否";
/// The table's headings.
pub const HI_COLUMNS: [&str; 4] = ["日時", "できごと", "患者・ファイル", "理由"];
/// While the rows are read.
pub const HI_LOADING: &str = "読み込んでいます…";
/// No row in the period.
pub const HI_EMPTY: &str = "この期間の記録はありません。";
/// Under the table.
pub const HI_SELECT_HINT: &str = "行を押すと、その記録のすべてが表示されます。";
/// Detail: summary.
pub const HI_FIELD_SUMMARY: &str = "内容";
/// Detail: file.
pub const HI_FIELD_FILE: &str = "ファイル名";
/// Detail: reason.
pub const HI_FIELD_REASON: &str = "理由";
/// Detail: who.
pub const HI_FIELD_ACTOR: &str = "操作した人";
/// Detail: stick.
pub const HI_FIELD_STICK: &str = "USBメモリ";
/// Detail: package.
pub const HI_FIELD_PACKAGE: &str = "パッケージ";

/// History: a received file of a kind this PC does not take (kind label, role).
pub fn not_for_this_pc(kind: &str, role: &str) -> String {
    format!(
        "{kind} は{}では受け取りません（{kind} on a {role}）",
        role_name(role)
    )
}
// ---- owner / PIN / wizard ----

/// A PIN that is not 4–8 digits.
pub const PIN_FORMAT: &str = "暗証番号は4～8桁の数字で入力してください。";
/// The two entries of a new PIN differ.
pub const PIN_MISMATCH: &str = "2回入力した暗証番号が一致しません。もう一度入力してください。";
/// No PIN set yet.
pub const PIN_NOT_SET: &str = "管理者の暗証番号がまだ設定されていません。";

/// A wrong PIN, with the tries left before the lockout.
pub fn pin_wrong(left: u32) -> String {
    format!("暗証番号が違います。あと {left} 回間違えると、しばらく入力できなくなります。")
}

/// Too many wrong PINs.
pub fn pin_locked(secs: i64) -> String {
    format!(
        "暗証番号を続けて間違えたため、入力できません。{secs} 秒ほど待ってから、もう一度入力してください。"
    )
}

/// History: the PIN was set.
pub const G_OUTCOME_PIN_SET: &str = "暗証番号設定";
/// History: the PIN was changed.
pub const G_OUTCOME_PIN_CHANGED: &str = "暗証番号変更";
/// History: the PIN was locked after wrong tries.
pub const G_OUTCOME_PIN_LOCKED: &str = "暗証番号ロック";

/// The PIN gate's title.
pub const O_GATE_TITLE: &str = "管理者の暗証番号";
/// The PIN gate: what is about to happen (settings).
pub const O_FOR_SETTINGS: &str = "設定を開くには、管理者の暗証番号を入力してください。";
/// The PIN gate: exporting the history.
pub const O_FOR_EXPORT: &str = "作業履歴を書き出すには、管理者の暗証番号を入力してください。";
/// The PIN gate: quitting the app.
pub const O_FOR_QUIT: &str = "oqs-courier を終了するには、管理者の暗証番号を入力してください。終了すると、USBメモリを差し込んでも何も起きません。";
/// The PIN gate's OK button.
pub const O_OK: &str = "OK";
/// Cancel.
pub const O_CANCEL: &str = "やめる";
/// No PIN set yet: set one first (settings).
pub const O_SET_FIRST: &str = "このPCには管理者の暗証番号がまだありません。設定を開く前に、暗証番号（4～8桁の数字）を決めて2回入力してください。";
/// New PIN field.
pub const O_NEW_PIN: &str = "新しい暗証番号（4～8桁の数字）";
/// New PIN again.
pub const O_NEW_PIN_AGAIN: &str = "もう一度入力";
/// Current PIN field.
pub const O_OLD_PIN: &str = "今の暗証番号";
/// Set the PIN button.
pub const O_SET_PIN: &str = "暗証番号を設定する";
/// Change the PIN button.
pub const O_CHANGE_PIN: &str = "暗証番号を変更する";
/// The PIN was set / changed.
pub const O_PIN_SAVED: &str = "暗証番号を設定しました。";
/// Settings: the sticks section.
pub const O_STICKS: &str = "登録済みのUSBメモリ";
/// Settings: no sticks.
pub const O_NO_STICKS: &str = "登録済みのUSBメモリはありません。";
/// Settings: revoke a lost stick.
pub const O_REVOKE: &str = "紛失したので使えなくする";
/// Settings: enroll the stick inserted now.
pub const O_ENROLL_INSERTED: &str = "差し込まれているUSBメモリを登録する";
/// Settings: a not-enrolled stick is in.
pub const O_UNENROLLED_IN: &str =
    "登録されていないUSBメモリが差し込まれています。このPCで使うUSBメモリなら登録してください。";

/// Settings: confirm revoking a stick.
pub fn o_revoke_confirm(label: &str) -> String {
    format!(
        "「{label}」を使えなくしますか？このPCでは、今後このUSBメモリを差し込んでも使えません。もう1台のPCでも同じ操作をしてください。"
    )
}

/// Settings: a stick was revoked.
pub fn o_revoked(label: &str) -> String {
    format!(
        "「{label}」を使えなくしました。もう1台のPCでも「紛失したので使えなくする」を押してください。"
    )
}

/// Settings: the revoke confirmation's button.
pub const O_REVOKE_YES: &str = "使えなくする";
/// Settings: the PIN section.
pub const O_PIN_SECTION: &str = "管理者の暗証番号";
/// Leaving settings with unsaved edits.
pub const O_UNSAVED: &str = "変更を保存しますか？";
/// Save and leave.
pub const O_SAVE: &str = "保存する";
/// Leave without saving.
pub const O_DISCARD: &str = "保存しない";
/// Stay on the settings screen.
pub const O_STAY: &str = "戻る";
/// The staff screen: a foreign stick.
pub const G_FOREIGN_STICK: &str = "このUSBメモリは使えません。取り外してください。";
/// Wizard: the folder picker button.
pub const W_BROWSE: &str = "参照…";
/// Wizard: the folder picker's title.
pub const W_BROWSE_TITLE: &str = "OQSフォルダを選んでください";

/// Wizard: offer to create the missing subfolders.
pub fn w_create_subfolders(path: &str, missing: &[&str]) -> String {
    format!(
        "{path} に {} フォルダがありません。作成しますか？（連携アプリ・Dynamics が使うフォルダです。場所が正しいか確かめてから作成してください。）",
        missing.join("・")
    )
}

/// Wizard: create the subfolders.
pub const W_CREATE: &str = "作成する";
/// Wizard: a subfolder could not be created.
pub fn w_create_failed(path: &str) -> String {
    format!(
        "フォルダ {path} を作成できませんでした。フォルダの場所と書き込みの権限を確かめてください。"
    )
}

/// Wizard: the PIN step.
pub const W_STEP_PIN: &str = "5. 管理者の暗証番号を決めます";
/// Wizard: what the PIN is for.
pub const W_PIN_NOTE: &str = "設定の変更、USBメモリの登録・使用停止、作業履歴の書き出し、アプリの終了には、この暗証番号が必要です。受付の方には教えず、管理者が控えておいてください。";
/// Wizard: this PC has shown the code; the other PC must show it too.
pub const W_PAIR_SHOW_OTHER: &str = "USBメモリを相手のPCに差し込み、相手のPCで「ペアリングを進める」を押してください。相手のPCにも番号が表示されたら、USBメモリをこのPCに戻して、もう一度「ペアリングを進める」を押してください。";
/// Wizard: the code this PC computed, before the other PC can show it.
pub const W_PAIR_CODE_PENDING: &str = "このPCの確認番号（相手のPCにも表示されたら比べます）";

/// State: a stick that is not enrolled here (the sentence below says what to do).
pub const ST_FOREIGN: &str = "使えないUSBメモリです";
// ---- import prompt (issue 14) ----

/// Reason for 取り込まない: an old result nobody needs.
pub const DROP_OLD: &str = "古い結果";
/// Reason for 取り込まない: the same result was imported already.
pub const DROP_DUPLICATE: &str = "重複";
/// Reason for 取り込まない: the result is for the wrong patient.
pub const DROP_WRONG_PATIENT: &str = "誤った患者";
/// Reason for 取り込まない: another reason.
pub const DROP_OTHER: &str = "その他";
/// Why a row needs a look: dated another day than today.
pub const FLAG_STALE: &str = "本日以外の日付の結果です";
/// Why a row needs a look: an error result or a `.err` file.
pub const FLAG_ERROR: &str = "エラーの結果です";
/// Why a row needs a look: a bulk result that is not final yet.
pub const FLAG_NOT_FINAL: &str = "まだ処理中の結果です（確定していません）";
/// What a flag is called in the confirmation question: stale.
pub const FLAG_NOUN_STALE: &str = "本日以外の結果";
/// What a flag is called in the confirmation question: error.
pub const FLAG_NOUN_ERROR: &str = "エラーの結果";
/// What a flag is called in the confirmation question: unreadable.
pub const FLAG_NOUN_UNREADABLE: &str = "内容を読み取れない結果";
/// What a flag is called in the confirmation question: not final.
pub const FLAG_NOUN_NOT_FINAL: &str = "処理中の結果";
/// What a flag is called in the confirmation question: arrived cut short.
pub const FLAG_NOUN_INCOMPLETE: &str = "途中で切れた結果";
/// Unreadable XML: too large.
pub const WHY_TOO_LARGE: &str = "ファイルが大きすぎて内容を読み取れません";
/// Unreadable XML: empty.
pub const WHY_EMPTY: &str = "ファイルが空です";
/// Unreadable XML: unsupported encoding.
pub const WHY_ENCODING: &str = "対応していない文字コードで書かれています";
/// Unreadable XML: bytes do not fit the encoding.
pub const WHY_UNDECODABLE: &str = "文字コードが正しくないため読み取れません";
/// Unreadable XML: declared encoding contradicts the bytes.
pub const WHY_MISMATCH: &str = "文字コードの宣言と中身が一致しません";
/// Unreadable XML: DOCTYPE or unknown entity.
pub const WHY_DECLARATION: &str = "オンライン資格確認のファイルにはない宣言が含まれています";
/// Unreadable XML: nests too deep.
pub const WHY_TOO_DEEP: &str = "XMLの入れ子が深すぎます";
/// Unreadable XML: not well-formed.
pub const WHY_MALFORMED: &str = "XMLの形式が正しくありません（途中で切れているなど）";
/// Unreadable XML: not an OQS message.
pub const WHY_NOT_OQS: &str = "オンライン資格確認のファイルではありません";
/// A binary (encrypted) `.xml` result: normal, only not displayable.
pub const NOTE_ENCRYPTED: &str =
    "暗号化されたファイルのため内容は表示しません（通常のファイルです）";
/// A `.err` file whose request is not known here.
pub const NOTE_REQUEST_UNKNOWN: &str = "この受付PCの照会が見つかりません";
/// The heading of the flagged rows' band.
pub const G_REVIEW_BAND: &str = "確認が必要";
/// The heading of the other rows.
pub const G_REVIEW_OK: &str = "取り込む結果";
/// Column headings of the import prompt.
pub const G_REVIEW_COLUMNS: [&str; 6] = [
    "種類",
    "氏名・カナ",
    "生年月日・性別",
    "保険者番号・記号・番号",
    "資格",
    "日付",
];
/// The prompt's keyboard help.
pub const G_REVIEW_KEYS: &str =
    "Tab: 行の移動　Space: 選ぶ／外す　Enter: 取り込む　Esc: 後で（次回また表示されます）";
/// 取り込まない (the button).
pub const G_DROP: &str = "選んだ結果を取り込まない";
/// The drop reason question.
pub const G_DROP_QUESTION: &str = "取り込まない理由を選んでください（作業履歴に残ります）。";
/// Back without dropping.
pub const G_DROP_CANCEL: &str = "やめる";
/// Yes in the confirmation.
pub const G_YES: &str = "はい";
/// No in the confirmation.
pub const G_NO: &str = "いいえ";
/// Nothing chosen to drop.
pub const G_DROP_NONE: &str = "取り込まない結果に印をつけてから押してください。";
/// The home screen's button for held results.
pub fn g_import_held(n: usize) -> String {
    format!("保留中の結果を取り込む（{n} 件）")
}
/// The confirmation question for flagged rows ticked: each kind with its count.
pub fn g_confirm_flagged(parts: &[(&str, usize)]) -> String {
    let list: Vec<String> = parts.iter().map(|(w, n)| format!("{w}が {n} 件")).collect();
    format!("{}あります。取り込みますか？", list.join("、"))
}
/// Files chosen not to import in this prompt.
pub fn g_dropped(n: usize, why: &str) -> String {
    format!("取り込まない: {n} 件（{why}）")
}
/// A flagged row that staff held before.
pub const G_HELD_BEFORE: &str = "前回「後で」にした結果です";
/// The stick was pulled while the prompt was up (heading).
pub const G_PULLED: &str = "USBメモリが抜かれました";
/// What happened to what the stick brought.
pub fn g_pulled_kept(n: usize) -> String {
    format!(
        "USBメモリから受け取った結果 {n} 件はこのPCに保管してあります（まだ取り込んでいません）。ホーム画面の「保留中の結果を取り込む」か、次にUSBメモリを差し込んだときに取り込めます。USBメモリには何も書き込んでいません。"
    )
}
/// Held results imported without a stick.
pub fn g_held_done(published: usize, held: usize, dropped: usize) -> String {
    format!("{published} 件を取り込みました。保留: {held} 件、取り込まない: {dropped} 件。")
}
/// Heading of the held-import result screen.
pub const G_HELD_DONE: &str = "保留中の結果を取り込みました";
/// CLI: flagged rows held by the interactive yes.
pub fn held_flagged(n: usize) -> String {
    format!("「!」の {n} 件は確認が必要なため保留しました（次回また表示されます）。")
}
/// History word: dropped.
pub const G_OUTCOME_DROPPED: &str = "取り込まない";

/// State: the stick was pulled while the prompt was up.
pub const ST_PULLED: &str = "USBメモリが抜かれました";
// ---- desktop (tray, single instance) ----

/// The notification-area icon's tooltip: the app and its current state (e.g. [`ST_IDLE`]).
pub fn tray_tip(state: &str) -> String {
    format!("oqs-courier — {state}")
}

/// The notification-area menu: show the window.
pub const TRAY_OPEN: &str = "開く";

/// The notification-area menu: end the app.
pub const TRAY_QUIT: &str = "終了";

/// Notification title: a courier stick was recognised.
pub const NOTIFY_ARRIVED_TITLE: &str = "USBメモリを確認しました";

/// Notification text: a courier stick was recognised.
pub const NOTIFY_ARRIVED_BODY: &str = "作業が終わるまで抜かないでください。";

/// Notification title: the step is over, the stick may be removed.
pub const NOTIFY_DONE_TITLE: &str = "USBメモリを取り外せます";

/// Notification text: the step is over.
pub const NOTIFY_DONE_BODY: &str = "作業が終わりました。USBメモリを取り外してください。";

/// Startup log: the notification-area icon was added.
pub const LOG_TRAY_ADDED: &str = "通知領域にアイコンを表示しました。";

/// Startup log: the notification-area icon could not be added.
pub const LOG_TRAY_FAILED: &str = "通知領域にアイコンを表示できませんでした。";

/// Startup log (first instance): a second start asked for the window.
pub const LOG_SHOW_REQUESTED: &str = "もう一度起動されたため、画面を前面に出しました。";

/// Startup log (second start): the running app was asked to show its window.
pub const LOG_ALREADY_RUNNING: &str =
    "すでに起動しています。起動中の画面を前面に出して終了します。";

/// Startup log (second start): the running app did not answer.
pub const LOG_ALREADY_RUNNING_UNREACHED: &str =
    "すでに起動していますが、起動中の画面に届きませんでした。終了します。";

/// Startup log: the check for a running copy failed; the app starts anyway.
pub const LOG_NO_INSTANCE_CHECK: &str = "二重起動の確認ができませんでした。このまま起動します。";

/// Save dialog: the filter matching every file.
pub const DLG_ALL_FILES: &str = "すべてのファイル";

/// Save dialog: the filter for files with extension `ext` (e.g. `csv`).
pub fn dlg_files_of(ext: &str) -> String {
    format!("{} ファイル", ext.to_uppercase())
}

/// Settings: larger text.
pub const S_LARGE_TEXT: &str = "文字を大きくする（画面の文字とボタンを 1.2 倍にします）";

/// History: why a result was held instead of published.
pub const HELD_NAME_TAKEN: &str = "同じ名前の別のファイルがフォルダにあるため、保留しました（a different file of the same name is in the folder）";
// ---- terminal care ----

/// Heading of the block about the terminal (home screen, `status`).
pub const C_TITLE: &str = "資格確認端末の状態";

/// No health report has arrived yet.
pub const C_NO_REPORT: &str = "まだ報告がありません（次の受け渡しで届きます）";

/// Everything in the last report is fine.
pub const C_ALL_WELL: &str = "問題はありません";

/// One line about the last report: when it came, the terminal's version, its free space.
pub fn c_report_line(when: &str, version: &str, free: &str) -> String {
    format!("最後の報告: {when}　版: {version}　空き容量: {free}")
}

/// A number of bytes for staff (GB with one decimal above 1 GB, MB below).
pub fn c_bytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= 1024 * MB {
        format!("{:.1} GB", bytes as f64 / (1024 * MB) as f64)
    } else {
        format!("{} MB", bytes / MB)
    }
}

/// Warning: the 連携アプリ answered nothing on the last `trips` trips.
pub fn c_warn_renkei(trips: u32) -> String {
    format!("連携アプリが応答していません（{trips} 回続けて）")
}

/// What to do about [`c_warn_renkei`].
pub const C_DO_RENKEI: &str = "端末で連携アプリを起動してください。";

/// Warning: the terminal's clock is `minutes` off; `ahead` says which way.
pub fn c_warn_clock(minutes: i64, ahead: bool) -> String {
    let way = if ahead {
        "進んでいます"
    } else {
        "遅れています"
    };
    format!("端末の時計が {minutes} 分ずれています（{way}）")
}

/// What to do about [`c_warn_clock`].
pub const C_DO_CLOCK: &str = "端末の時計を合わせてください。";

/// Warning: the terminal has little free space left.
pub fn c_warn_space(free: &str) -> String {
    format!("端末の空き容量が少なくなっています（残り {free}）")
}

/// What to do about [`c_warn_space`].
pub const C_DO_SPACE: &str = "端末の不要なファイルを削除してください。";

/// Warning: the terminal runs an older oqs-courier than this PC.
pub fn c_warn_version(theirs: &str, ours: &str) -> String {
    format!("端末の oqs-courier が古い版です（端末 {theirs}、この PC {ours}）")
}

/// What to do about [`c_warn_version`].
pub const C_DO_VERSION: &str = "端末の oqs-courier を更新してください。";

/// The terminal's settings: the owner's change waits for the terminal's confirmation.
pub const C_SETTINGS_PENDING: &str = "端末の設定変更: 次の受け渡しで端末に送ります（未反映）";

/// The terminal's settings: the terminal confirmed the owner's change.
pub const C_SETTINGS_APPLIED: &str = "端末の設定変更: 端末に反映済み";

/// Settings screen (clinic): the section for the terminal's settings.
pub const C_S_TITLE: &str = "資格確認端末の設定（次の受け渡しで端末に送ります）";

/// Settings screen (clinic): the button that sends the terminal's settings.
pub const C_S_SEND: &str = "端末に送る";

/// Settings screen (clinic): what the terminal's settings are based on before any report.
pub const C_S_NO_REPORT: &str = "端末からの報告がまだないため、初期値を表示しています。";

/// Audit reason (clinic): the owner changed the terminal's settings (revision, values).
pub fn c_audit_sent(rev: u64, values: &str) -> String {
    format!("端末の設定を変更（第 {rev} 版）: {values}")
}

/// Audit reason (terminal): settings from the reception PC were applied.
pub fn c_audit_applied(rev: u64, values: &str) -> String {
    format!("受付PCからの設定を反映（第 {rev} 版）: {values}")
}

/// Audit reason (terminal): settings from the reception PC could not be used.
pub fn c_audit_refused(rev: u64, why: &str) -> String {
    format!("受付PCからの設定（第 {rev} 版）を反映できません: {why}")
}

/// Audit reason (clinic): the terminal confirmed the settings.
pub fn c_audit_confirmed(rev: u64) -> String {
    format!("端末が設定（第 {rev} 版）の反映を確認しました")
}

/// The values of a terminal settings change, for the audit log.
pub fn c_settings_values(wait: u64, days: i64, kinds: &str, defender: bool) -> String {
    let d = if defender { "する" } else { "しない" };
    format!("応答待ち {wait} 秒、保存日数 {days} 日、種類 {kinds}、Defender 検査 {d}")
}

/// History: the owner changed the terminal's settings.
pub const G_OUTCOME_SETTINGS_SENT: &str = "端末設定の変更";

/// History: the terminal applied settings from the reception PC.
pub const G_OUTCOME_SETTINGS_APPLIED: &str = "端末設定の反映";

/// History: the terminal confirmed the settings.
pub const G_OUTCOME_SETTINGS_CONFIRMED: &str = "端末設定の反映確認";

// ---- updates ----
// Updates of oqs-courier carried by the stick (`crate::update`). Errors (E_UPD_*) with hints
// (H_UPD_*), both quoted in docs/ja/トラブルシューティング.md.

/// The installer could not be read.
pub const E_UPD_IO: &str = "インストーラーまたは署名ファイルを読み込めませんでした。";
/// Hint: the file is not where the owner said.
pub const H_UPD_IO: &str = "ファイルの場所を確かめて、もう一度選んでください。";
/// The file is not an installer of a size we take.
pub const E_UPD_NOT_INSTALLER: &str =
    "選ばれたファイルは oqs-courier のインストーラーではありません。";
/// Hint: pick the right file.
pub const H_UPD_NOT_INSTALLER: &str = "「oqs-courier-setup-版.exe」という名前のファイルと、同じ名前に「.minisig」が付いた署名ファイルを選んでください。";
/// The .minisig is unreadable.
pub const E_UPD_BAD_SIGNATURE_FILE: &str =
    "署名ファイル（.minisig）を読み取れません。更新は行いませんでした。";
/// Hint: get the signature again.
pub const H_UPD_BAD_SIGNATURE_FILE: &str =
    "インストーラーと一緒に配布された署名ファイル（.minisig）を、もう一度入手して選んでください。";
/// Signed by another key.
pub const E_UPD_WRONG_KEY: &str =
    "このインストーラーは oqs-courier の正式な鍵で署名されていません。更新は行いませんでした。";
/// Hint: never install it.
pub const H_UPD_WRONG_KEY: &str = "このインストーラーは使わないでください。正式な配布元から入手し直し、不審な場合は導入した業者に連絡してください。";
/// Bytes do not match the signature.
pub const E_UPD_CORRUPTED: &str = "インストーラーが壊れているか、書き換えられています（署名と一致しません）。更新は行いませんでした。";
/// Hint: download again.
pub const H_UPD_CORRUPTED: &str =
    "インストーラーと署名ファイルを正式な配布元からもう一度入手してください。";
/// Signature without a version.
pub const E_UPD_NO_VERSION: &str = "署名に版の情報がありません。更新は行いませんでした。";
/// Hint: a release signature names the version.
pub const H_UPD_NO_VERSION: &str = "正式な配布元の署名ファイル（.minisig）を使ってください。";
/// Not newer than what runs.
pub const E_UPD_NOT_NEWER: &str = "このインストーラーは、資格確認端末で動いている版より新しくありません。更新は行いませんでした。";
/// Hint: take a newer one.
pub const H_UPD_NOT_NEWER: &str =
    "端末で動いている版より新しい版のインストーラーを選んでください。";
/// The clinic has no report from the terminal saying it takes updates.
pub const E_UPD_TERMINAL_UNKNOWN: &str = "資格確認端末の版がまだわからないため、更新を送れません。";
/// Hint: one trip first.
pub const H_UPD_TERMINAL_UNKNOWN: &str = "一度USBメモリで受け渡しをして端末からの状態報告を受け取ってから、もう一度行ってください。報告が届いても送れない場合、端末の oqs-courier は USBメモリでの更新に対応していない古い版です。一度だけ端末で直接インストールしてください。";
/// Nothing to roll back to.
pub const E_UPD_NO_PREVIOUS: &str = "前の版のインストーラーが保存されていません。";
/// Hint: install an older one by hand.
pub const H_UPD_NO_PREVIOUS: &str = "USBメモリで更新したあとにだけ前の版に戻せます。戻したい版のインストーラーを端末で直接実行してください。";
/// Windows asked for administrator consent to start the installer and it was declined.
pub const E_UPD_DECLINED: &str =
    "更新に必要な管理者の確認で「はい」が選ばれなかったため、更新を始められませんでした。";
/// Hint: answer yes next time.
pub const H_UPD_DECLINED: &str = "次の受け渡しが終わったあとに、もう一度確認が出ます。そのとき「はい」を選んでください。管理者のパスワードを求められて分からないときは、設定担当者に連絡してください。";
/// The installer could not be started.
pub const E_UPD_INSTALL_FAILED: &str = "インストーラーを起動できませんでした。";
/// Hint: run it by hand.
pub const H_UPD_INSTALL_FAILED: &str = "資格確認端末を再起動してから、設定担当者に連絡してください。インストーラーは状態フォルダーの update に保存されています。";

/// Audit (clinic): the owner gave an update; it travels in `parts` parts.
pub fn u_audit_staged(version: &str, parts: u32) -> String {
    format!(
        "oqs-courier {version} の更新を受け付けました（署名を確認済み、{parts} 個に分けて端末へ送ります）"
    )
}
/// Audit (terminal): an update arrived whole and verified.
pub fn u_audit_ready(version: &str) -> String {
    format!(
        "oqs-courier {version} の更新が届き、署名を確認しました（作業の終了後にインストールします）"
    )
}
/// Audit (terminal): the installer was started.
pub fn u_audit_install(version: &str) -> String {
    format!("oqs-courier {version} のインストーラーを起動しました（/S）")
}
/// Audit: rolled back.
pub fn u_audit_rollback(version: &str) -> String {
    format!("前の版（oqs-courier {version}）に戻すインストーラーを起動しました（/S）")
}
/// Audit (clinic): the terminal reports it runs the version.
pub fn u_audit_done(version: &str) -> String {
    format!("資格確認端末が oqs-courier {version} に更新されました")
}
/// Audit (clinic): the terminal refused the update.
pub fn u_audit_refused_there(version: &str) -> String {
    format!("資格確認端末が oqs-courier {version} の更新を拒否しました")
}
/// The terminal's block: an update on its way.
pub fn u_line_sending(version: &str) -> String {
    format!("更新（{version}）を端末へ送っています")
}
/// The terminal's block: an update waits on the terminal.
pub fn u_line_staged(version: &str) -> String {
    format!("更新（{version}）は端末に届きました。次の作業の後にインストールされます")
}
/// The terminal's block: refused there.
pub fn u_line_refused(version: &str) -> String {
    format!("端末が更新（{version}）を拒否しました。作業履歴を確認してください")
}
/// The terminal's block: its installer was started there but the version does not run.
pub fn u_line_unfinished(version: &str) -> String {
    format!(
        "端末で更新（{version}）のインストールが終わりませんでした。端末の画面を確かめてから、もう一度送ってください"
    )
}
/// Audit (terminal): an installer started earlier did not finish.
pub fn u_audit_unfinished(version: &str) -> String {
    format!(
        "oqs-courier {version} のインストールが終わっていません（インストーラーの起動後も前の版が動いています）"
    )
}
/// Audit (clinic): the terminal reports that the installation did not finish.
pub fn u_audit_unfinished_there(version: &str) -> String {
    format!("資格確認端末で oqs-courier {version} のインストールが終わりませんでした")
}
/// Owner's settings: done.
pub fn u_staged(version: &str) -> String {
    format!("oqs-courier {version} の署名を確認しました。次の受け渡しから端末へ送ります。")
}
/// Settings (clinic): the section that sends an update to the terminal.
pub const UP_CLINIC_TITLE: &str = "資格確認端末の oqs-courier を更新する";
/// Settings (clinic): the versions of both PCs.
pub fn up_versions(terminal: &str, this: &str) -> String {
    format!("端末の版: {terminal}（この PC の版: {this}）")
}
/// Settings (clinic): how an update is given.
pub const UP_CLINIC_HOW: &str = "配布されたインストーラー（oqs-courier-setup-版.exe）を選んでください。同じフォルダーに署名ファイル（同じ名前に「.minisig」が付いたファイル）が必要です。署名と版を確かめてから、次の受け渡しで端末へ送ります。";
/// Settings (clinic): the installer field's placeholder.
pub const UP_INSTALLER_PLACEHOLDER: &str =
    "インストーラーの場所（例: D:\\oqs-courier-setup-1.2.0.exe）";
/// Settings (clinic): opens the system's file dialog.
pub const UP_PICK: &str = "選ぶ…";
/// The file dialog's title.
pub const UP_PICK_TITLE: &str = "更新のインストーラーを選ぶ";
/// Settings (clinic): verify and queue the update.
pub const UP_STAGE: &str = "確かめて端末に送る";
/// Settings (clinic): 確かめて端末に送る with no file given.
pub const UP_NO_FILE: &str = "インストーラーを選んでください。";
/// Settings (terminal): the section about this PC's oqs-courier.
pub const UP_THIS_TITLE: &str = "この PC の oqs-courier";
/// Settings (terminal): the running version.
pub fn up_this_version(version: &str) -> String {
    format!("版: {version}")
}
/// Settings (terminal): an update waits for the end of the next step.
pub fn up_ready(version: &str) -> String {
    format!("更新（{version}）が届いています。次の作業の後にインストールされます。")
}
/// Settings (terminal): the version a roll-back returns to.
pub fn up_previous(version: &str) -> String {
    format!("前の版: {version}")
}
/// Settings (terminal): nothing to roll back to.
pub const UP_NO_PREVIOUS: &str =
    "戻せる前の版はありません（USBメモリで更新したあとに戻せるようになります）。";
/// Settings (terminal): the roll-back button.
pub const UP_ROLLBACK: &str = "前の版に戻す";
/// Settings (terminal): the question before a roll-back.
pub fn up_rollback_confirm(version: &str) -> String {
    format!(
        "oqs-courier を前の版（{version}）に戻します。インストーラーがこのアプリを一度終了し、前の版で起動し直します。よろしいですか？"
    )
}
/// Settings (terminal): the roll-back, confirmed.
pub const UP_ROLLBACK_YES: &str = "戻す";
/// Settings (terminal): the roll-back's installer was started.
pub fn up_rolling_back(version: &str) -> String {
    format!("前の版（{version}）に戻しています。アプリはまもなく終了し、自動で起動し直します。")
}
/// Done screen (terminal): the update is being installed after the step.
pub fn st_updating(version: &str) -> String {
    format!(
        "oqs-courier を {version} に更新します。アプリはいったん終了し、自動で起動し直します（USBメモリはもう取り外せます）。"
    )
}
/// Done screen (terminal): the update's installer could not be started.
pub fn st_update_failed(version: &str, what: &str) -> String {
    format!("oqs-courier {version} への更新を始められませんでした: {what}")
}
/// History: outcome labels.
pub const G_OUTCOME_UPDATE_STAGED: &str = "更新の受付";
/// History: installer started.
pub const G_OUTCOME_UPDATE_INSTALLED: &str = "更新のインストール";
/// History: the terminal reports the new version.
pub const G_OUTCOME_UPDATE_DONE: &str = "更新の完了確認";
