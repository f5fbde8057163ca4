### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### Lo que lee un técnico sobre cada código de error: una etiqueta corta, qué pasó (.says) y una acción (.todo).

# unreviewed
err-app-not_started = La { -station } no arrancó
    .says = La pantalla de la { -station } se abrió, pero la { -station } detrás de ella no arrancó. La pantalla de arranque muestra la causa.
    .todo = Llame al ingeniero de línea y muéstrele la pantalla de arranque.

# unreviewed
err-attest-no_group_key = Clave de grupo no cargada
    .says = La { -station } no tiene la clave de grupo de este { -product }, así que no puede generar la clave de la { -board }. No se escribió nada en la { -board }.
    .todo = Llame al ingeniero de línea: la clave de grupo del { -product } no está instalada en la { -station }.

# unreviewed
err-audit-bad_head = Referencia de verificación de auditoría no reconocida
    .says = La verificación de la bitácora de auditoría recibió una referencia que no puede leer. No se verificó nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-audit-head_mismatch = La bitácora de auditoría fue modificada
    .says = La bitácora de auditoría ya no coincide con el registro guardado fuera de la { -station }. Se borraron o reescribieron entradas fuera de la { -station }.
    .todo = Deje la { -station } tal como está y llame de inmediato a un { -supervisor }: la bitácora de auditoría fue modificada.

# unreviewed
err-audit-line_copy_broken = La copia de la bitácora de auditoría en la línea fue modificada
    .says = La copia compartida en la línea de la bitácora de auditoría de esta { -station } fue modificada. La bitácora propia de la { -station } se verifica por separado.
    .todo = Llame a un { -supervisor }: la copia de la bitácora de auditoría en la base de datos de la línea fue modificada.

# unreviewed
err-auth-not_allowed = Su rol no permite esta acción
    .says = Su rol no tiene permiso para hacer esto. No se cambió nada.
    .todo = Pida a un { -supervisor } que lo haga.

# unreviewed
err-auth-not_logged_in = No hay sesión iniciada
    .says = Nadie ha iniciado sesión en la { -station }, así que esto no se hizo.
    .todo = Escanee su gafete, ingrese su PIN y vuelva a intentarlo.

# unreviewed
err-auth-session_expired = Sesión cerrada por inactividad
    .says = La { -station } no se usó por un rato y cerró su sesión. No se hizo nada.
    .todo = Escanee su gafete, ingrese su PIN y vuelva a intentarlo.

# unreviewed
err-bug-revocation = Falla de la { -station } al proteger el certificado
    .says = La { -station } no pudo guardar el registro que necesita para anular más tarde el certificado de esta { -board }, así que la { -board } no recibió certificado y quedó como { -fail }. Es una falla de la { -station }, no de la { -board }.
    .todo = Llame al ingeniero de línea: la { -station } informó una falla del programa.

# unreviewed
err-bug-slot_thread = La { -station } no pudo ejecutar la { -slot }
    .says = La { -station } no pudo ejecutar esta { -slot }, así que su { -board } quedó como { -fail } sin aprovisionarse. El problema no es de la { -board }.
    .todo = Vuelva a ejecutar la { -slot }.

# unreviewed
err-bug-task = Una tarea de la { -station } se detuvo inesperadamente
    .says = Una parte del programa de la { -station } se detuvo antes de terminar su trabajo. Es una falla de la { -station }.
    .todo = Llame a un { -supervisor } para que reinicie la { -station }.

# unreviewed
err-bug-tpm = Falla de la { -station } en el paso del chip de seguridad
    .says = La { -station } llegó al paso del chip de seguridad fuera de orden, así que la { -board } falló. Es una falla de la { -station }, no de la { -board }.
    .todo = Llame al ingeniero de línea: la { -station } informó una falla del programa.

# unreviewed
err-ca-crl = Lista de certificados anulados no escrita
    .says = La { -station } no pudo generar ni guardar la lista de certificados anulados.
    .todo = Llame al ingeniero de línea: no se pudo escribir la lista de certificados anulados.

# unreviewed
err-ca-decrypt = No se pudo desbloquear la clave de firma
    .says = La { -station } no pudo desbloquear la clave con la que firma los certificados: la contraseña es incorrecta o el archivo de la clave está dañado. No se pueden emitir certificados para este { -product }.
    .todo = Llame al ingeniero de línea: no se pudo desbloquear la clave de firma.

# unreviewed
err-ca-exists = Ya hay un certificado de firma instalado
    .says = Ya hay un certificado de firma instalado, así que el nuevo no se puso encima. No se cambió nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-ca-key_into_token = La clave no puede ir al dispositivo de seguridad
    .says = El dispositivo de seguridad que guarda la clave de firma no acepta claves traídas de fuera. No se instaló nada.
    .todo = Llame al ingeniero de línea: la clave de firma debe generarse dentro del dispositivo de seguridad.

# unreviewed
err-ca-key_mismatch = La clave de firma no corresponde a su certificado
    .says = La clave de firma y el certificado de firma no van juntos, así que no se pueden emitir certificados para este { -product }.
    .todo = Llame al ingeniero de línea: la clave de firma y el certificado no coinciden.

# unreviewed
err-ca-missing = Falta el certificado o la clave de firma
    .says = Los archivos con los que la { -station } firma los certificados faltan o no se pueden leer, así que no se pueden emitir certificados para este { -product }.
    .todo = Llame al ingeniero de línea: falta el certificado o la clave de firma.

# unreviewed
err-ca-module = No se cargó el programa del dispositivo de seguridad
    .says = La { -station } no pudo cargar el programa del dispositivo de seguridad que guarda la clave de firma, así que no se pueden emitir certificados.
    .todo = Llame al ingeniero de línea: no se cargó el programa del dispositivo de seguridad.

# unreviewed
err-ca-no_key = No se indicó la clave de firma para instalar
    .says = Se iba a instalar un certificado de firma, pero no se encontró ni se indicó ninguna clave. No se instaló nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-ca-no_passphrase = Contraseña de la clave no definida
    .says = No se proporcionó la contraseña de la clave que se iba a instalar, así que no se pudo leer la clave. No se instaló nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-ca-no_x509_product = Ningún { -product } configurado para certificados
    .says = Esto necesita un { -product } que use certificados, y no hay ninguno configurado en esta { -station }.
    .todo = Llame al ingeniero de línea: no hay ningún { -product } configurado que use certificados.

# unreviewed
err-ca-pkcs11 = El dispositivo de seguridad se negó a firmar
    .says = El dispositivo de seguridad que guarda la clave de firma respondió con un error, a menudo por un PIN incorrecto o una conexión perdida. No se pueden emitir certificados.
    .todo = Llame al ingeniero de línea: el dispositivo de seguridad que firma los certificados se negó a hacerlo.

# unreviewed
err-ca-secret = Contraseña o PIN de la clave de firma no disponible
    .says = La { -station } no pudo obtener la contraseña o el PIN que desbloquea su clave de firma, así que no se pueden emitir certificados.
    .todo = Llame al ingeniero de línea: falta la contraseña o el PIN de la clave de firma.

# unreviewed
err-ca-token = No se encontró el dispositivo de seguridad o la clave de firma
    .says = La { -station } no encontró su dispositivo de seguridad, o la clave de firma dentro de él, así que no se pueden emitir certificados.
    .todo = Llame al ingeniero de línea: no se encontró el dispositivo de seguridad o su clave de firma.

# unreviewed
err-ca-unusable = El certificado de firma no se puede usar
    .says = El certificado o la clave de firma de la { -station } no se pueden usar, así que no se pueden emitir certificados.
    .todo = Llame al ingeniero de línea: el certificado de firma no se puede usar.

# unreviewed
err-ca-which_product = { -product(form: "title") } no elegido
    .says = Hay más de un { -product } que usa certificados, y no se indicó cuál usar. No se hizo nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-claim-voided = { -board(form: "title") } declarada perdida por un { -supervisor }
    .says = Un { -supervisor } declaró perdida esta { -board } sin terminar, así que su { -unit } quedó como { -fail } y su certificado está anulado.
    .todo = Si la { -board } aparece, envíela a retrabajo.

# unreviewed
err-claims-no_operator = Se necesita el ID de un { -supervisor }
    .says = Decidir qué pasa con una { -board } sin terminar requiere el ID de un { -supervisor }, y no se dio ninguno. No se cambió nada.
    .todo = Llame a un { -supervisor } para que tome la decisión.

# unreviewed
err-claims-no_reason = Falta el motivo de la { -board } perdida
    .says = Una { -board } solo se puede declarar perdida con un motivo, y no se dio ninguno. No se cambió nada.
    .todo = Escriba por qué se perdió la { -board } (desechada, extraviada o enviada) y confirme de nuevo.

# unreviewed
err-config-inline_secret = Dato secreto escrito en la configuración
    .says = Hay una contraseña, clave o PIN escrito directamente en la configuración de la { -station }, y la { -station } lo rechaza por seguridad.
    .todo = Llame al ingeniero de línea: hay un dato secreto escrito en la configuración de la { -station }.

# unreviewed
err-config-invalid = La configuración tiene errores
    .says = Algunos ajustes de la configuración de la { -station } no son compatibles entre sí, así que la { -station } no puede usarla.
    .todo = Llame al ingeniero de línea: la configuración de la { -station } tiene errores.

# unreviewed
err-config-invalid_value = Valor de configuración no aceptable
    .says = Un ajuste de la configuración de la { -station } tiene un valor que no está permitido.
    .todo = Llame al ingeniero de línea: un ajuste de la configuración tiene un valor incorrecto.

# unreviewed
err-config-missing_key = Falta un ajuste de configuración
    .says = Falta en la configuración un ajuste que la { -station } necesita.
    .todo = Llame al ingeniero de línea: falta un ajuste de la configuración.

# unreviewed
err-config-read = No se puede mostrar la configuración
    .says = La { -station } no pudo leer su archivo de configuración para mostrarlo.
    .todo = Llame al ingeniero de línea: la { -station } no puede leer su archivo de configuración.

# unreviewed
err-config-syntax = El archivo de configuración tiene un error de escritura
    .says = El archivo de configuración de la { -station } tiene un error en su texto, así que la { -station } no puede leerlo.
    .todo = Llame al ingeniero de línea: el archivo de configuración tiene un error de escritura.

# unreviewed
err-config-unknown_key = Ajuste desconocido en la configuración
    .says = La configuración de la { -station } tiene un ajuste que la { -station } no conoce, a menudo por un error de escritura.
    .todo = Llame al ingeniero de línea: la configuración tiene un ajuste desconocido.

# unreviewed
err-config-unknown_value = Valor desconocido en la configuración
    .says = Un ajuste de la configuración de la { -station } tiene un valor que la { -station } no conoce.
    .todo = Llame al ingeniero de línea: un ajuste de la configuración tiene un valor desconocido.

# unreviewed
err-config-unreadable = Archivo de configuración no encontrado o ilegible
    .says = La { -station } no puede encontrar ni abrir su archivo de configuración.
    .todo = Llame al ingeniero de línea: no se puede leer el archivo de configuración de la { -station }.

# unreviewed
err-config-unsafe_file = Archivo de configuración sin protección
    .says = El archivo de configuración, o un archivo con una contraseña o clave, lo pueden modificar personas que no deberían, así que la { -station } se negó a usarlo.
    .todo = Llame al ingeniero de línea: un archivo de configuración no está protegido.

# unreviewed
err-config-wrong_type = Ajuste de configuración con un tipo de valor incorrecto
    .says = Un ajuste de la configuración de la { -station } tiene un tipo de valor incorrecto, por ejemplo texto donde se espera un número.
    .todo = Llame al ingeniero de línea: un ajuste de la configuración tiene un tipo de valor incorrecto.

# unreviewed
err-demo-allocation_hook = No arrancó el servicio de asignación de la demostración
    .says = La demostración no pudo iniciar su servicio local que decide dónde se registran las { -board(form: "plural") }, así que no se ejecutó.
    .todo = Llame al ingeniero de línea: la demostración no pudo arrancar.

# unreviewed
err-demo-dps_local = No arrancó el { -dps } de la demostración
    .says = La demostración no pudo iniciar su sustituto local de { -dps }, así que no se cargó nada.
    .todo = Llame al ingeniero de línea: la demostración no pudo arrancar.

# unreviewed
err-demo-fixture = No arrancó la { -fixture } virtual
    .says = La demostración no pudo iniciar su { -fixture } simulada ni sus { -board(form: "plural") } simuladas.
    .todo = Llame al ingeniero de línea: la demostración no pudo arrancar.

# unreviewed
err-demo-line_db = No arrancó la base de datos de la línea de demostración
    .says = La demostración de línea no pudo iniciar su base de datos temporal de la línea, así que no se ejecutó.
    .todo = Llame al ingeniero de línea: la demostración no pudo arrancar.

# unreviewed
err-demo-line_size = Tamaño no válido para una línea de demostración
    .says = Se pidió a la línea de demostración un tamaño que no permite. No se inició nada.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-demo-no_fixture = La demostración no tiene una { -fixture } virtual configurada
    .says = La configuración de la demostración no indica cómo conectar su { -fixture } simulada, así que no puede arrancar.
    .todo = Llame al ingeniero de línea: la configuración de la demostración está incompleta.

# unreviewed
err-demo-not_enrolled = Faltan { -unit(form: "plural") } con { -pass } en el { -dps } de la demostración
    .says = Después de la carga de la demostración, algunas { -unit(form: "plural") } marcadas { -pass } no se encontraron en su { -dps } local, o se encontraron con datos distintos.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-demo-not_registered = Las { -board(form: "plural") } de la demostración no se registraron o no llegaron a su hub
    .says = En la demostración, algunas { -board(form: "plural") } aprovisionadas no se registraron en su { -dps } local o no se conectaron a su hub.
    .todo = Llame al ingeniero de línea.

# unreviewed
err-demo-programs = Faltan programas de la demostración
    .says = Un programa que la demostración necesita no está instalado en esta PC, así que la demostración se detuvo antes de empezar.
    .todo = Llame al ingeniero de línea: falta un programa que necesita la demostración.

# unreviewed
err-demo-tpm_ca = Falló la preparación de la demostración
    .says = La demostración no pudo preparar los chips de seguridad simulados de sus { -board(form: "plural") }, así que no puede ejecutarse.
    .todo = Llame al ingeniero de línea: falta el programa de chips de seguridad de la demostración.

# unreviewed
err-dut-locked = { -board(form: "title") } ya bloqueada
    .says = Esta { -board } ya está bloqueada y no se puede aprovisionar de nuevo. Queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Envíe la { -board } al área de retrabajo para que la desbloqueen.

# unreviewed
err-dut-missing_capability = { -board(form: "title") } incorrecta para este { -product }
    .says = Esta { -board } no puede hacer lo que el { -product } necesita; probablemente la { -board } o el { -product } no corresponden a esta { -slot }. La { -board } queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Verifique que la { -board } sea para el { -product } que se muestra en esta { -slot }.

# unreviewed
err-explain-unknown = No es un código de error
    .says = El texto indicado no es un código de error que la { -station } conozca.
    .todo = Copie el código de error exactamente como lo muestra el mensaje.

# unreviewed
err-export-bad_payload = Inscripciones guardadas dañadas
    .says = Algunas inscripciones en espera de exportarse están dañadas, lo que significa que los registros de la { -station } se cambiaron desde fuera. No se exportó nada.
    .todo = Llame a un { -supervisor }: los registros de la { -station } se cambiaron desde fuera.

# unreviewed
err-export-bad_recipient = Clave del operador de los dispositivos no válida
    .says = Una clave indicada para el operador de los dispositivos no es válida, así que el lote no se pudo proteger para él. No se exportó nada.
    .todo = Llame al ingeniero de línea: la clave de exportación del operador de los dispositivos no es válida.

# unreviewed
err-export-drive_write = Falló la exportación a la memoria USB
    .says = El lote no se pudo escribir en la memoria USB: puede estar llena, protegida contra escritura o haberse retirado. Lo que hay en la memoria está incompleto.
    .todo = No use esa copia: verifique que la memoria USB tenga espacio y no esté protegida contra escritura, y exporte de nuevo.

# unreviewed
err-export-empty = Nada que exportar
    .says = Ninguna inscripción coincide con la { -work-order } o el intervalo de tiempo elegidos, así que no se exportó nada.
    .todo = Revise la { -work-order } y el intervalo de tiempo, y exporte de nuevo.

# unreviewed
err-export-io = No se pudo escribir la exportación
    .says = El lote no se pudo escribir en la carpeta elegida, quizá porque el disco está lleno. La exportación no está completa.
    .todo = Llame a un { -supervisor }: la exportación no se pudo escribir en el disco.

# unreviewed
err-export-no_drive = Memoria USB no conectada
    .says = La memoria USB elegida para la exportación ya no está, así que no se escribió nada.
    .todo = Conecte de nuevo la memoria USB, espere a que aparezca en la lista y exporte.

# unreviewed
err-export-no_upload_section = Sin clave de firma para exportar
    .says = La { -station } no tiene una clave de firma para exportaciones, así que no puede exportar un lote.
    .todo = Llame al ingeniero de línea: la clave de firma de exportación de la { -station } no está configurada.

# unreviewed
err-export-output_not_empty = La carpeta de exportación no está vacía
    .says = La carpeta elegida ya contiene archivos, y una exportación nunca sobrescribe archivos. No se escribió nada.
    .todo = Elija una carpeta nueva y vacía para la exportación.

# unreviewed
err-export-seal_io = No se pudo escribir el lote protegido
    .says = El lote se firmó, pero su copia protegida no se pudo escribir, quizá porque el disco está lleno. No se exportó nada y quedó una carpeta sobrante en la { -station }.
    .todo = Llame a un { -supervisor }: la exportación falló y dejó una carpeta que se debe eliminar.

# unreviewed
err-export-sealed_for_others = Claves de dispositivo protegidas para otra persona
    .says = Algunas inscripciones de este lote tienen claves de dispositivo protegidas para alguien distinto del operador de los dispositivos, que no podría abrirlas. No se exportó nada.
    .todo = Llame al ingeniero de línea: estas inscripciones se deben subir a { -dps }, no exportar.

# unreviewed
err-export-signing_key = Clave de firma de exportación inutilizable
    .says = No se pudo cargar la clave de firma de exportación de la { -station } o su certificado, así que no se exportó nada.
    .todo = Llame al ingeniero de línea: la clave de firma de exportación de la { -station } no se puede usar.

# unreviewed
err-fixture-virtual = La { -fixture } virtual no inició
    .says = La { -fixture } virtual integrada de la { -station }, con sus { -board(form: "plural") } simuladas, no inició.
    .todo = Llame al ingeniero de línea: la { -fixture } virtual de la { -station } no inició.

# unreviewed
err-identify-bad_board_string = { -board(form: "title") } con identidad incorrecta
    .says = La { -board } informa un { -serial }, modelo o versión vacío, demasiado largo o con caracteres no permitidos. La { -board } queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Retire la { -board } de la { -fixture } y envíela al área de retrabajo: su programa interno informa una identidad incorrecta.

# unreviewed
err-identify-serial_mismatch = El { -serial } escaneado no es el de la { -board }
    .says = La { -board } de esta { -slot } informa un { -serial } distinto al de la etiqueta escaneada para ella: puede que se cambiara la { -board }, o que la etiqueta se escaneara en la { -slot } equivocada. La { -board } queda marcada como { -fail }.
    .todo = Verifique qué { -board } está en esta { -slot }, escanee su propia etiqueta y vuelva a ejecutar la { -slot }.

# unreviewed
err-identity-bad_registration_id = No se pudo crear el ID de registro
    .says = La { -station } no pudo crear un ID de registro válido a partir del { -serial } de esta { -board }, que es demasiado largo o tiene un carácter no permitido. La { -board } queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Llame al ingeniero de línea: con este { -serial } no se puede crear un ID de registro.

# unreviewed
err-import-already_imported = Lote ya importado
    .says = Este lote ya se importó a { -dps }. Importarlo de nuevo podría traer de vuelta dispositivos que se eliminaron a propósito, así que no se envió nada.
    .todo = Llame a un { -supervisor }: este lote ya se importó.

# unreviewed
err-import-incomplete = La importación dejó inscripciones fuera
    .says = La importación a { -dps } terminó, pero algunas inscripciones se rechazaron, están en conflicto o no se importaron.
    .todo = Llame a un { -supervisor } para resolver los conflictos y luego ejecute la importación de nuevo.

# unreviewed
err-import-journal = Archivo de progreso de la importación inutilizable
    .says = El archivo donde la importación guarda su progreso no se pudo leer ni escribir, o pertenece a otro lote.
    .todo = Llame a un { -supervisor }: el archivo de progreso de la importación no se puede usar.

# unreviewed
err-import-no_target = No se eligió el servicio { -dps } para importar
    .says = No se indicó a qué servicio { -dps } debe enviar el lote la importación.
    .todo = Llame a un { -supervisor }: la importación necesita saber su servicio { -dps }.

# unreviewed
err-import-other_journal = Archivo de progreso de otra importación
    .says = El archivo de progreso de la importación pertenece a otro lote o a otro servicio { -dps }.
    .todo = Llame a un { -supervisor }: la importación necesita un archivo de progreso nuevo.

# unreviewed
err-import-registry = Lista de importaciones terminadas inutilizable
    .says = El archivo que lista las importaciones terminadas no se pudo leer ni escribir, así que no se pudo saber si este lote ya se importó.
    .todo = Llame a un { -supervisor }: no se puede leer la lista de importaciones terminadas.

# unreviewed
err-import-sealed = No se abrieron las claves de dispositivo protegidas
    .says = El lote contiene claves de dispositivo protegidas y no se pudieron abrir, o una clave abierta no coincide con su inscripción.
    .todo = Llame a un { -supervisor } y no importe este lote hasta que él lo revise.

# unreviewed
err-import-stopped = Importación detenida
    .says = La importación se detuvo antes de que todas las inscripciones estuvieran en { -dps }. Lo que { -dps } ya recibió se conserva.
    .todo = Ejecute de nuevo la misma importación: continúa donde se detuvo.

# unreviewed
err-kiosk-slots_running = No se puede cerrar: hay { -slot(form: "plural") } en curso
    .says = Se pidió cerrar la { -station } mientras hay { -slot(form: "plural") } aprovisionando, así que sigue abierta.
    .todo = Espere a que cada recuadro muestre { -pass } o { -fail } y luego cierre la { -station }.

# unreviewed
err-line-empty_work_order = { -work-order(form: "title") } vacía
    .says = Se indicó una { -work-order } vacía. No se cambió nada.
    .todo = Ingrese el ID de la { -work-order } e intente de nuevo.

# unreviewed
err-line-no_operator = El cambio de línea requiere un { -supervisor }
    .says = Cambiar la { -work-order } o el { -product } de una { -slot } queda registrado y requiere el ID de un { -supervisor }, que no se indicó. No se cambió nada.
    .todo = Llame a un { -supervisor } para que haga el cambio con su ID.

# unreviewed
err-line-unknown_product = { -product(form: "title") } desconocido
    .says = Se quiso asignar a una { -slot } un { -product } que la { -station } no conoce. No se cambió nada.
    .todo = Llame a un { -supervisor }: este { -product } no está configurado en la { -station }.

# unreviewed
err-line-unknown_slot = { -slot(form: "title") } desconocida
    .says = Se indicó un número de { -slot } que no existe en esta { -fixture }. No se cambió nada.
    .todo = Use un número de { -slot } que aparezca en esta { -fixture }.

# unreviewed
err-linedb-bad_role = Acceso a la base de datos de la línea rechazado
    .says = El ID o la contraseña de la { -station } no sirven para iniciar sesión en la base de datos de la línea.
    .todo = Llame al ingeniero de línea: el acceso de la { -station } a la base de datos de la línea no es válido.

# unreviewed
err-linedb-error = La base de datos de la línea rechazó una solicitud
    .says = La base de datos de la línea respondió con un error. Si había una { -board } en proceso, queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Llame al ingeniero de línea: la base de datos de la línea informa un error.

# unreviewed
err-linedb-held = { -board(form: "title") } ya registrada en otra { -station }
    .says = La base de datos de la línea indica que otra { -station } ya tiene el { -serial } o la identidad de esta { -board }. La { -board } queda marcada como { -fail }; no se le hizo nada permanente.
    .todo = Aparte la { -board } y llame a un { -supervisor }: la línea ya tiene este { -serial }.

# unreviewed
err-linedb-migrate = La base de datos de la línea necesita actualizarse
    .says = La { -station } no pudo actualizar la base de datos de la línea, así que no puede usarla.
    .todo = Llame al ingeniero de línea: la base de datos de la línea necesita atención.

# unreviewed
err-linedb-no_admin = Sin acceso de administrador de la línea
    .says = Esta tarea requiere el acceso de administrador de la línea, y la { -station } no lo tiene.
    .todo = Llame a un { -supervisor }: solo un { -supervisor } puede hacer esta tarea.

# unreviewed
err-linedb-no_conflict = No existe ese conflicto abierto
    .says = El número de conflicto indicado no está abierto: ya se resolvió o nunca existió. No se cambió nada.
    .todo = Tome un número de conflicto de la lista de la pantalla Rendimiento.

# unreviewed
err-linedb-no_note = El conflicto requiere un ID y una nota
    .says = Resolver un conflicto de la línea queda registrado y requiere el ID del { -supervisor } y una nota de lo que se hizo con las { -board(form: "plural") }. No se cambió nada.
    .todo = Resuelva el conflicto de nuevo con el ID del { -supervisor } y una nota.

# unreviewed
err-linedb-not_configured = { -station(form: "title") } sin configurar para la línea
    .says = Esta tarea requiere la base de datos de la línea, y la { -station } no está configurada para usarla.
    .todo = Llame al ingeniero de línea: la { -station } no está configurada para la base de datos de la línea.

# unreviewed
err-linedb-password = Falta la contraseña de la base de datos de la línea
    .says = La { -station } no encontró su contraseña de la base de datos de la línea.
    .todo = Llame al ingeniero de línea: falta la contraseña de la base de datos de la línea en esta { -station }.

# unreviewed
err-linedb-quota_exhausted = Cuota de la { -work-order } agotada
    .says = Ya se asignaron todos los certificados permitidos para esta { -work-order }, o la { -work-order } está cerrada, así que esta { -station } no recibe más.
    .todo = Llame a un { -supervisor }: la { -work-order } está terminada o hay que aumentar su cuota.

# unreviewed
err-linedb-tls = Certificado de la base de datos de la línea inutilizable
    .says = La { -station } no pudo leer el certificado que necesita para conectarse de forma segura a la base de datos de la línea.
    .todo = Llame al ingeniero de línea: el certificado de la base de datos de la línea en esta { -station } no se puede usar.

# unreviewed
err-linedb-unknown_work_order = La línea no conoce esta { -work-order }
    .says = La base de datos de la línea no tiene esa { -work-order }.
    .todo = Revise el ID de la { -work-order } e ingréselo de nuevo.

# unreviewed
err-linedb-unreachable = Sin conexión con la base de datos de la línea
    .says = La { -station } no pudo conectarse con la base de datos de la línea, o la conexión se cortó. Si había una { -board } en proceso, queda marcada como { -fail } y no se escribió nada en ella.
    .todo = Revise el cable de red de la { -station } y vuelva a ejecutar la { -slot }.

# unreviewed
err-linedb-wrong_role = Acceso incorrecto a la base de datos de la línea
    .says = La { -station } inició sesión en la base de datos de la línea con un acceso que no es el suyo; cada { -station } tiene el suyo propio.
    .todo = Llame al ingeniero de línea: el acceso de la { -station } a la base de datos de la línea es incorrecto.

# unreviewed
err-link-closed = Puerto de la { -slot } no abierto
    .says = La { -station } intentó comunicarse con la { -board }, pero la conexión de la { -slot } no estaba abierta. La { -board } queda marcada como { -fail }.
    .todo = Vuelva a ejecutar la { -slot }; si vuelve a pasar, llame al ingeniero de línea.

# unreviewed
err-link-disconnected = { -board(form: "title") } desconectada
    .says = La conexión con la { -board } se perdió a mitad de un paso: la { -board } se movió, el cable se salió o la { -board } se reinició. La { -board } queda marcada como { -fail }.
    .todo = Verifique que la { -board } esté bien asentada y el cable conectado, y vuelva a ejecutar la { -slot }.

# unreviewed
err-link-io = Falló la comunicación con la { -board }
    .says = Falló el envío o la lectura de datos de la { -board } por la conexión de la { -slot }. La { -board } queda marcada como { -fail }.
    .todo = Vuelva a conectar el cable USB y luego vuelva a ejecutar la { -slot }.

# unreviewed
err-link-open_failed = No se pudo abrir el puerto de la { -slot }
    .says = La { -station } no pudo abrir la conexión de la { -slot }: puede que el cable de la { -fixture } esté desconectado o que otro programa la esté usando. No se hizo nada en la { -board }.
    .todo = Revise el cable de la { -fixture }; si está conectado, llame al ingeniero de línea.

# unreviewed
err-lock-unconfirmed = La { -board } no confirmó el bloqueo
    .says = La { -board } no respondió cuando se le ordenó bloquearse, así que puede estar bloqueada o no. Aparece como { -open } hasta que se procese de nuevo: ni { -pass } ni { -fail }.
    .todo = Vuelva a poner la misma { -board } en cualquier { -slot } y procésela de nuevo.

# unreviewed
err-login-failed = ID de operador o PIN incorrecto
    .says = El ID de operador o el PIN no es correcto; la { -station } no dice cuál. Demasiados intentos fallidos bloquean la cuenta.
    .todo = Escanee su gafete de nuevo y vuelva a escribir su PIN.

# unreviewed
err-login-locked = Operador bloqueado
    .says = Se ingresaron demasiados PIN incorrectos, así que esta cuenta está bloqueada hasta la hora indicada.
    .todo = Llame a un { -supervisor } para que desbloquee su cuenta.

# unreviewed
err-operators-bad_language = Idioma desconocido
    .says = El idioma indicado para un { -operator } no es uno que hable esta { -station }. No se cambió nada.
    .todo = Elija inglés, chino o español.

# unreviewed
err-operators-exists = ID de operador ya en uso
    .says = Ya existe un operador con este ID, así que no se agregó a nadie.
    .todo = Elija otro ID para el nuevo operador.

# unreviewed
err-operators-first_admin = Aún no hay operadores
    .says = La { -station } aún no tiene operadores. El primero es un administrador y solo el ingeniero de línea puede agregarlo en la propia PC.
    .todo = Llame al ingeniero de línea: la { -station } necesita su primer administrador.

# unreviewed
err-operators-hash = No se pudo verificar el PIN guardado
    .says = El PIN guardado de este operador está dañado, así que la { -station } no puede verificarlo.
    .todo = Llame a un { -supervisor }: un administrador debe volver a definir el PIN de este operador.

# unreviewed
err-operators-invalid_id = ID de operador no válido
    .says = El ID de operador tiene caracteres no permitidos o es demasiado largo. No se cambió nada.
    .todo = Use solo letras, dígitos, puntos, guiones y guiones bajos, con 64 caracteres como máximo.

# unreviewed
err-operators-no_operator = Cambiar operadores requiere un administrador
    .says = Agregar un operador o definir un PIN requiere la aprobación de un administrador, y desbloquear, la de un { -supervisor }. No se dio ninguna, así que no se cambió nada.
    .todo = Llame a un { -supervisor } o a un administrador para que apruebe con su gafete y su PIN.

# unreviewed
err-operators-no_pin = No se ingresó un PIN
    .says = Se necesitaba un PIN, pero no se ingresó ninguno. No se cambió nada.
    .todo = Ingrese el PIN e intente de nuevo.

# unreviewed
err-operators-unknown = No existe ese operador
    .says = Ningún operador tiene este ID. No se cambió nada.
    .todo = Revise el ID en la lista de operadores e intente de nuevo.

# unreviewed
err-operators-unknown_role = Rol de operador desconocido
    .says = El rol debe ser { -technician }, { -supervisor } o administrador. No se cambió nada.
    .todo = Elija { -technician }, { -supervisor } o administrador como rol.

# unreviewed
err-operators-weak_pin = El PIN no cumple las reglas
    .says = El PIN debe tener de 4 a 12 dígitos, así que no se definió.
    .todo = Elija un PIN de 4 a 12 dígitos.

# unreviewed
err-ports-discovery = No se pudieron listar los puertos
    .says = La { -station } no pudo listar los puertos y dispositivos USB de la PC, así que no sabe qué { -board } está en qué { -slot }.
    .todo = Llame al ingeniero de línea: la { -station } no ve sus puertos.

# unreviewed
err-queue-no_conflict = No hay conflicto de carga para este ID
    .says = Este ID de registro no tiene conflicto de carga, así que no se cambió nada.
    .todo = Elija el ID de registro de la lista de conflictos en la pantalla Cola.

# unreviewed
err-queue-no_operator = Decidir un conflicto requiere un { -supervisor }
    .says = La decisión sobre un conflicto de carga se registra con el ID de un { -supervisor }, y no se dio ninguno. No se cambió nada.
    .todo = Llame a un { -supervisor } para que decida el conflicto.

# unreviewed
err-record-encode = No se pudo preparar la inscripción
    .says = La { -station } no pudo preparar la inscripción de esta { -board } para subirla, así que la { -unit } se marca como { -fail }. Es una falla del programa de la { -station }.
    .todo = Llame al ingeniero de línea: el programa de la { -station } tiene una falla.

# unreviewed
err-record-no_unit = Falta la { -unit } en los registros
    .says = La { -station } necesitaba el registro de esta { -board }, pero nunca lo guardó, así que la { -unit } se marca como { -fail }. Es una falla del programa de la { -station }.
    .todo = Llame al ingeniero de línea: el programa de la { -station } tiene una falla.

# unreviewed
err-record-seal = No se pudo proteger la clave del dispositivo
    .says = La { -station } no pudo cifrar la nueva clave de la { -board } para guardarla, así que no se guardó nada y la { -unit } se marca como { -fail }.
    .todo = Llame al ingeniero de línea: las claves que protegen los secretos de los dispositivos están mal.

# unreviewed
err-recover-mismatch = La { -board } no coincide con su registro
    .says = Esta { -board } sin terminar no tiene lo que la { -station } le dio: difiere un ajuste, su certificado o su clave. La { -unit } se marca como { -fail } y no se pone nada en cola.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-register-bad_answer = La { -board } dio una respuesta de registro incorrecta
    .says = La respuesta de la { -board } a la prueba de registro no tiene sentido. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Envíe la { -board } a retrabajo: el paso de registro de su programa interno está fallando.

# unreviewed
err-register-conflict = Un conflicto de inscripción impide el registro
    .says = { -dps } ya tiene otra inscripción para esta { -board }, así que no se registró. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Llame a un { -supervisor } para que resuelva el conflicto en la pantalla Cola.

# unreviewed
err-register-no_network = La { -board } no tiene red aquí
    .says = La { -board } no tiene red en esta { -fixture }, así que no pudo registrarse en { -dps }. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Llame al ingeniero de línea: las { -board(form: "plural") } de esta { -fixture } no tienen red.

# unreviewed
err-register-not_uploaded = La inscripción no se subió a tiempo
    .says = La inscripción de la { -board } no llegó a { -dps } a tiempo, así que la { -board } no pudo registrarse. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Llame a un { -supervisor }: puede que el servicio de carga no esté en ejecución.

# unreviewed
err-register-refused = { -dps } rechazó el registro de la { -board }
    .says = La { -board } pidió registrarse en { -dps } y { -dps } la rechazó. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-register-stopped = Se detuvo antes del registro
    .says = La { -station } se detuvo mientras la { -board } esperaba registrarse. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Envíe la { -board } a retrabajo cuando la { -station } vuelva a funcionar.

# unreviewed
err-register-superseded = Inscripción reemplazada antes de subirse
    .says = La { -board } se retrabajó antes de que se subiera esta inscripción, así que esta { -unit } se marca como { -fail }.
    .todo = Procese la { -board } de nuevo.

# unreviewed
err-register-unreachable = La { -board } no pudo llegar a { -dps }
    .says = La { -board } intentó registrarse, pero no pudo llegar a { -dps } por la red de la { -fixture }. Ya había pasado, pero ahora se marca como { -fail } y su certificado queda anulado.
    .todo = Llame al ingeniero de línea: la red de la { -fixture } no llega a { -dps }.

# unreviewed
err-run-closing = La { -station } se está cerrando
    .says = La { -station } se está cerrando: las { -slot(form: "plural") } en curso se detienen y no empieza ninguna ejecución nueva.
    .todo = Espere a que la { -station } se cierre y vuelva a iniciarla.

# unreviewed
err-run-initial_twin = Configuración inicial en la nube del { -product } no válida
    .says = La configuración inicial en la nube de un { -product } está mal definida, así que la ejecución no empieza.
    .todo = Llame al ingeniero de línea: la configuración inicial en la nube del { -product } está mal.

# unreviewed
err-run-no_operator = No se indicó operador
    .says = Cada ejecución se registra a nombre del operador que la inicia, y no se indicó ninguno. No se inició ninguna { -board }.
    .todo = Inicie sesión de nuevo y luego inicie la ejecución.

# unreviewed
err-run-no_port = La { -slot } no tiene puerto
    .says = Una { -slot } no está asociada a ningún puerto de la PC, así que la ejecución no empieza.
    .todo = Llame al ingeniero de línea: una { -slot } no tiene puerto asignado.

# unreviewed
err-run-no_supervisor = Un retrabajo requiere un { -supervisor }
    .says = Volver a procesar una { -board } que ya pasó es decisión de un { -supervisor }, y ninguno lo aprobó. No se ejecutó nada.
    .todo = Llame a un { -supervisor } para que apruebe el retrabajo.

# unreviewed
err-run-ports_file = No se puede leer el mapa de puertos de la { -fixture }
    .says = La { -station } no pudo leer qué puerto usa cada { -slot }, así que la ejecución no empieza.
    .todo = Llame al ingeniero de línea: no se puede leer el mapa de puertos de la { -fixture }.

# unreviewed
err-run-seal_recipients = No se cargaron las claves que protegen los secretos
    .says = No se pueden leer las claves que usa la { -station } para proteger los secretos de cada { -board }, así que la { -station } no inicia.
    .todo = Llame al ingeniero de línea: las claves que protegen los secretos de los dispositivos faltan o están mal.

# unreviewed
err-run-secret = No se pudo cargar la clave de grupo
    .says = Falta la clave de grupo de un { -product } o no es válida, así que la { -station } no inicia.
    .todo = Llame al ingeniero de línea: falta la clave de grupo del { -product }.

# unreviewed
err-run-slot_busy = La { -slot } sigue en curso
    .says = Esta { -slot } todavía está aprovisionando su { -board }.
    .todo = Espere a que la { -slot } termine y vuelva a iniciarla.

# unreviewed
err-run-stopped = Se detuvo antes de que terminara la { -board }
    .says = La { -station } se detuvo antes de que esta { -board } terminara, antes de hacerle algún cambio permanente.
    .todo = Vuelva a ejecutar la { -slot } cuando la { -station } esté de vuelta.

# unreviewed
err-run-tpm_vendor_roots = No se cargaron los certificados del chip de seguridad
    .says = No se pudieron cargar los certificados que verifican los chips de seguridad de un { -product }, así que la ejecución no empieza.
    .todo = Llame al ingeniero de línea: faltan los certificados del chip de seguridad de este { -product }.

# unreviewed
err-run-unknown_product = La { -slot } usa un { -product } desconocido
    .says = Una { -slot } tiene asignado un { -product } que esta { -station } no conoce, así que la ejecución no empieza.
    .todo = Llame a un { -supervisor } para que elija un { -product } conocido para la { -slot }.

# unreviewed
err-run-unknown_slot = La { -slot } no está en esta { -fixture }
    .says = La ejecución pidió una { -slot } que esta { -fixture } no tiene, así que no empieza.
    .todo = Inicie una de las { -slot(form: "plural") } que muestra la pantalla Ejecución.

# unreviewed
err-secrets-keygen = No se crearon las claves de la { -station }
    .says = La { -station } no pudo crear sus claves nuevas, o ya existen claves ahí, y esas nunca se reemplazan.
    .todo = Llame al ingeniero de línea: no se pudieron crear las claves de la { -station }.

# unreviewed
err-slot-already_done = { -board(form: "title") } ya aprovisionada: { -done }
    .says = Esta { -station } ya aprovisionó esta { -board } y está completa. No se hizo nada y no se registró nada.
    .todo = Saque la { -board } y coloque la siguiente.

# unreviewed
err-slot-blocked = { -slot(form: "title") } bloqueada por fallas repetidas
    .says = Varias { -board(form: "plural") } fallaron en esta { -slot } después de recibir un certificado o una clave, o una misma { -board } falló una y otra vez. La { -station } no inicia nada en esta { -slot } hasta que un { -supervisor } la libere.
    .todo = Aparte las últimas { -board(form: "plural") } de esta { -slot } y llame a un { -supervisor }.

# unreviewed
err-slot-empty = { -slot(form: "title") } vacía
    .says = Ninguna { -board } respondió en esta { -slot }, así que aparece como { -empty } y no se registra nada.
    .todo = Ponga una { -board } en la { -slot } e iníciela.

# unreviewed
err-slot-no_operator = Liberar una { -slot } requiere un { -supervisor }
    .says = Solo un { -supervisor } puede liberar una { -slot } bloqueada, y no se indicó ninguno. No se cambió nada.
    .todo = Llame a un { -supervisor } para que libere la { -slot }.

# unreviewed
err-slot-no_reason = Liberar una { -slot } requiere un motivo
    .says = Una { -slot } bloqueada solo se libera con un motivo para la bitácora de auditoría, y no se dio ninguno. No se cambió nada.
    .todo = Escriba como motivo lo que se revisó y vuelva a liberar la { -slot }.

# unreviewed
err-slot-not_blocked = La { -slot } no está bloqueada
    .says = Esta { -slot } no está bloqueada, así que no hay nada que liberar.
    .todo = Elija una { -slot } que esté bloqueada.

# unreviewed
err-smp-corrupted = Respuestas de la { -board } dañadas
    .says = Las respuestas de la { -board } llegaron dañadas, incluso tras reintentar, así que la { -unit } se marca como { -fail }.
    .todo = Vuelva a colocar bien la { -board } y ejecute de nuevo la { -slot }.

# unreviewed
err-smp-malformed = La { -board } envió una respuesta ilegible
    .says = La { -board } respondió con algo que la { -station } no entiende, así que la { -unit } se marca como { -fail }.
    .todo = Envíe la { -board } a retrabajo: puede que la versión de su programa interno no sea la correcta.

# unreviewed
err-smp-other = Falló la comunicación con la { -board }
    .says = La comunicación con la { -board } falló por un motivo que la { -station } no puede precisar, así que la { -unit } se marca como { -fail }.
    .todo = Vuelva a ejecutar la { -slot }; si vuelve a fallar, envíe la { -board } a retrabajo.

# unreviewed
err-smp-refused = La { -board } rechazó una orden
    .says = La { -board } rechazó un paso, por ejemplo porque ya está bloqueada o su programa interno no lo tiene, así que la { -unit } se marca como { -fail }.
    .todo = Envíe la { -board } a retrabajo: puede que no tenga el programa interno de fabricación.

# unreviewed
err-smp-timeout = La { -board } dejó de responder
    .says = La { -board } dejó de responder a la { -station }, aun después de varios intentos. La { -board } queda marcada como { -fail }.
    .todo = Vuelva a colocar la { -board } y vuelva a ejecutar la { -slot }.

# unreviewed
err-store-audit_chain_broken = Bitácora de auditoría alterada
    .says = La bitácora de auditoría de la { -station } se modificó fuera de la { -station }: se editó, eliminó o agregó un registro. La bitácora es evidencia y se debe revisar.
    .todo = Llame a un { -supervisor } ahora: hay que detener el aprovisionamiento hasta revisar la bitácora de auditoría.

# unreviewed
err-store-certificate_serial_taken = Número de certificado ya usado
    .says = La { -station } obtuvo varias veces seguidas números de certificado que ya estaban usados. No se emitió ningún certificado y la { -board } queda marcada como { -fail }.
    .todo = Vuelva a ejecutar la { -slot }.

# unreviewed
err-store-create_dir = La { -station } no puede crear su base de datos
    .says = La { -station } no pudo crear la base de datos donde guarda sus registros. No puede registrar ni aprovisionar ninguna { -board }.
    .todo = Llame al ingeniero de línea: la { -station } no puede crear su base de datos.

# unreviewed
err-store-duplicate = { -board(form: "title") } ya aprovisionada
    .says = La { -station } ya aprovisionó esta { -board }. No se escribió nada y la { -board } queda marcada como { -fail }.
    .todo = Aparte la { -board } y llame a un { -supervisor } si hay que aprovisionarla de nuevo.

# unreviewed
err-store-duplicate_open = La última ejecución de la { -board } no terminó
    .says = Esta { -board } sigue { -open }: la { -station } no pudo saber si quedó bloqueada la última vez. No se escribió nada y la { -board } queda marcada como { -fail }.
    .todo = Coloque la { -board } sola en una { -slot } y ejecútela, para que la { -station } la termine.

# unreviewed
err-store-duplicate_running = La misma { -board } ya está en otra { -slot }
    .says = Se está aprovisionando ahora mismo una { -board } con este { -serial }. No se escribió nada y esta { -board } queda marcada como { -fail }.
    .todo = Saque esta { -board } de la { -fixture } y revise su etiqueta.

# unreviewed
err-store-invalid_enrollment_state = Inscripción en un estado incorrecto
    .says = Esta inscripción no está en el estado que requiere la acción; por ejemplo, ya no es un conflicto. No se cambió nada.
    .todo = Abra de nuevo la pantalla Cola y actúe según lo que muestre.

# unreviewed
err-store-invalid_input = Falla del programa de la { -station }
    .says = La { -station } intentó guardar un valor que nunca debería producir. Es una falla del programa de la { -station }.
    .todo = Llame al ingeniero de línea: la { -station } tiene una falla de programa.

# unreviewed
err-store-invalid_state = { -unit(form: "title") } en un estado incorrecto
    .says = Esta { -unit } no está en el estado que requiere la acción; por ejemplo, todavía se está aprovisionando. No se cambió nada.
    .todo = Revise la { -unit } en la pantalla Unidades antes de intentarlo de nuevo.

# unreviewed
err-store-json = Datos ilegibles en la base de datos
    .says = La { -station } encontró en su base de datos datos que no puede leer. Es una falla del programa de la { -station }, o la base de datos se modificó desde fuera.
    .todo = Llame al ingeniero de línea: la base de datos de la { -station } tiene datos que no puede leer.

# unreviewed
err-store-lease_exhausted = La { -station } se quedó sin certificados
    .says = Esta { -station } usó todos los certificados que se le dieron para la { -work-order } y no pudo obtener más. No se emitió ningún certificado y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: la { -station } no puede obtener más certificados para esta { -work-order }.

# unreviewed
err-store-migrate = Falló la actualización de la base de datos
    .says = La { -station } no pudo actualizar su base de datos para esta versión del programa. La base de datos quedó como estaba.
    .todo = Llame al ingeniero de línea: falló la actualización de la base de datos de la { -station }.

# unreviewed
err-store-missing = No se encontró la base de datos de la { -station }
    .says = La { -station } no encontró ninguna base de datos, así que no hay nada que mostrar.
    .todo = Llame al ingeniero de línea: la { -station } no encuentra su base de datos.

# unreviewed
err-store-no_open_claim = No es una { -board } sin terminar
    .says = Esta { -unit } no es una { -board } sin terminar: ya se terminó, falló o se declaró perdida. No se cambió nada.
    .todo = Revise la lista de { -board(form: "plural") } en espera en la pantalla Unidades.

# unreviewed
err-store-not_wal = Base de datos fuera del disco local
    .says = La base de datos de la { -station } no está en el disco propio de esta computadora; por ejemplo, está en una carpeta de red. La { -station } no funciona así.
    .todo = Llame al ingeniero de línea: la base de datos de la { -station } debe estar en un disco local.

# unreviewed
err-store-open = No se pudo abrir la base de datos
    .says = La { -station } no pudo abrir su base de datos.
    .todo = Llame al ingeniero de línea: la { -station } no puede abrir su base de datos.

# unreviewed
err-store-quota_reached = Se alcanzó el cupo de la { -work-order }
    .says = La { -work-order } ya tiene todos los certificados que permite. No se emitió ningún certificado y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -work-order } alcanzó su cupo.

# unreviewed
err-store-run_exists = La ejecución ya se inició
    .says = Ya se inició una ejecución con este ID, así que no se inició de nuevo.
    .todo = Inicie una nueva ejecución desde la pantalla Ejecución.

# unreviewed
err-store-run_finished = La ejecución ya terminó
    .says = Esta ejecución ya terminó: no se le puede agregar ninguna { -board }.
    .todo = Inicie una nueva ejecución desde la pantalla Ejecución.

# unreviewed
err-store-schema_too_new = Base de datos de una versión más nueva
    .says = La base de datos de la { -station } la escribió una versión más nueva del programa de la { -station }. Esta versión no debe modificarla.
    .todo = Llame al ingeniero de línea: el programa de la { -station } es más antiguo que su base de datos.

# unreviewed
err-store-sqlite = Error en la base de datos de la { -station }
    .says = La { -station } no pudo usar su base de datos; el disco puede estar lleno u ocupado. Si había una { -board } en proceso, queda marcada como { -fail }.
    .todo = Llame al ingeniero de línea: la { -station } no puede guardar en su base de datos.

# unreviewed
err-store-sync = Registros no guardados de forma segura en el disco
    .says = La { -station } no pudo asegurarse de que sus registros quedaran escritos en el disco, así que podrían perderse en un corte de luz. La { -board } no se bloqueó y queda marcada como { -fail }.
    .todo = Llame al ingeniero de línea antes de procesar más { -board(form: "plural") }: el disco de la { -station } puede estar lleno o fallando.

# unreviewed
err-store-unknown_enrollment = No existe esa inscripción
    .says = La { -station } no tiene ninguna inscripción con este ID. No se cambió nada.
    .todo = Abra de nuevo la pantalla Cola y elija una inscripción de ahí.

# unreviewed
err-store-unknown_run = No existe esa ejecución
    .says = La { -station } no tiene ninguna ejecución con este ID.
    .todo = Llame a un { -supervisor }.

# unreviewed
err-store-unknown_unit = No existe esa { -unit }
    .says = La { -station } no tiene ninguna { -unit } con este número. No se cambió nada.
    .todo = Elija la { -unit } de la lista en la pantalla Unidades.

# unreviewed
err-tpm-duplicate_ek = Chip de seguridad ya usado por otra { -board }
    .says = El chip de seguridad de esta { -board } ya pertenece a otra { -unit }. Dos { -board(form: "plural") } nunca comparten un chip, así que puede ser una copia; no se escribió nada y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar.

# unreviewed
err-tpm-ek_cert_invalid = Certificado del chip de seguridad inutilizable
    .says = El chip de seguridad de la { -board } no tiene ningún certificado utilizable. La { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar.

# unreviewed
err-tpm-ek_cert_mismatch = El certificado del chip de seguridad no coincide
    .says = El certificado del chip de seguridad de la { -board } pertenece a otro chip: el chip se cambió o el certificado se copió. La { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar.

# unreviewed
err-tpm-ek_cert_not_valid_now = Certificado del chip de seguridad no válido ahora
    .says = El certificado del chip de seguridad de la { -board } no es válido con la fecha y hora actuales de la { -station }. La { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: el reloj de la { -station } puede estar mal, o el certificado del chip venció.

# unreviewed
err-tpm-ek_cert_untrusted = Fabricante del chip de seguridad no confiable
    .says = El chip de seguridad de la { -board } es de un fabricante en el que este { -product } no confía, así que el chip puede no ser auténtico. La { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar hasta que se apruebe el fabricante de su chip.

# unreviewed
err-tpm-ek_not_held = El chip de seguridad no pasó la prueba de identidad
    .says = El chip de seguridad de la { -board } no pudo probar que su clave es suya; el chip puede estar cambiado o falsificado. No se escribió nada y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar y no se debe procesar de nuevo.

# unreviewed
err-tpm-ek_template = Clave del chip de seguridad no apta para el { -product }
    .says = La clave del chip de seguridad de la { -board } no es del tipo que requiere este { -product }. El chip o el programa de la { -board } no es el aprobado, y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar; su chip o su programa no es el aprobado.

# unreviewed
err-tpm-link = Sin comunicación con el chip de seguridad
    .says = La { -station } no pudo comunicarse con el chip de seguridad de la { -board }. La { -board } queda marcada como { -fail }.
    .todo = Vuelva a colocar la { -board } y vuelva a ejecutar la { -slot }.

# unreviewed
err-tpm-no_ek_certificate = El chip de seguridad no tiene certificado
    .says = El chip de seguridad de la { -board } no tiene certificado: su fabricante no le puso uno. La { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar.

# unreviewed
err-tpm-no_reader = La { -station } no puede usar chips de seguridad
    .says = El programa de esta { -station } no funciona con chips de seguridad, así que no puede aprovisionar este { -product }. La { -board } queda marcada como { -fail }.
    .todo = Llame al ingeniero de línea: esta { -station } necesita un programa compatible con chips de seguridad.

# unreviewed
err-tpm-no_tpm = La { -board } no tiene chip de seguridad
    .says = Este { -product } necesita un chip de seguridad, y la { -board } de la { -slot } no tiene ninguno. La { -board } queda marcada como { -fail }.
    .todo = Revise que la { -board } de la { -slot } sea del { -product } correcto.

# unreviewed
err-tpm-read_failed = No se pudo leer el chip de seguridad
    .says = La { -station } no pudo leer la clave del chip de seguridad de la { -board }: el chip respondió con un error o demasiado lento. La { -board } queda marcada como { -fail }.
    .todo = Vuelva a ejecutar la { -slot }.

# unreviewed
err-unit-duplicate_device_id = ID de dispositivo ya ocupado
    .says = El ID de dispositivo generado para esta { -board } ya pertenece a otra { -board } que pasó o está en curso. No se escribió nada y la { -board } queda marcada como { -fail }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar; su ID de dispositivo ya está ocupado.

# unreviewed
err-unit-revoked = ID de registro revocado
    .says = Una { -unit } anterior con este ID de registro falló después de que una credencial llegó a su { -board }, así que el ID se revocó. Una { -board } aprovisionada con él nunca podría registrarse en { -dps }.
    .todo = Llame a un { -supervisor }: esta { -board } se debe apartar hasta que reciba un nuevo { -serial }.

# unreviewed
err-units-purged = Clave del dispositivo eliminada
    .says = La clave del dispositivo de esta { -unit } se eliminó una vez que { -dps } la tuvo. La { -station } no guarda ninguna copia.
    .todo = Llame a un { -supervisor } si se necesita la clave: { -dps } todavía la tiene.

# unreviewed
err-units-sealed = Clave del dispositivo bloqueada
    .says = La clave del dispositivo de esta { -unit } está bloqueada para que solo ciertas cuentas puedan abrirla. La cuenta de esta pantalla táctil nunca puede.
    .todo = Llame a un { -supervisor }: solo una cuenta autorizada puede abrir esta clave.

# unreviewed
err-units-unknown = No existe esa { -unit }
    .says = La { -unit } solicitada no existe en los registros de la { -station }.
    .todo = Elija una { -unit } de la lista en la pantalla Unidades.

# unreviewed
err-upload-bad_response = { -dps } envió una respuesta inesperada
    .says = La dirección de { -dps } respondió algo que la { -station } no entiende; puede que no sea un servicio { -dps }. Las inscripciones siguen en la cola.
    .todo = Llame al ingeniero de línea: la dirección de { -dps } puede estar mal.

# unreviewed
err-upload-bulk_too_large = Lote de carga demasiado grande
    .says = La { -station } armó una carga con más inscripciones de las que { -dps } acepta de una vez. Es una falla del programa de la { -station }; las inscripciones siguen en la cola.
    .todo = Llame al ingeniero de línea: la { -station } tiene una falla de programa al subir.

# unreviewed
err-upload-busy = Ya hay otra carga en curso
    .says = Otra carga ya está enviando la cola de esta { -station }, así que esta no se inició.
    .todo = Espere a que termine la carga en curso.

# unreviewed
err-upload-client = No se pudo preparar la conexión de carga
    .says = La { -station } no pudo preparar su conexión segura con { -dps }, así que no se subió nada.
    .todo = Llame al ingeniero de línea: la configuración de carga de la { -station } está mal.

# unreviewed
err-upload-conflict = { -dps } ya tiene otra inscripción
    .says = { -dps } ya tiene una inscripción distinta para este ID de registro. No se cambió nada en { -dps }.
    .todo = Llame a un { -supervisor } para que lo resuelva en la pantalla Cola.

# unreviewed
err-upload-connection_string = Faltan los datos de conexión a { -dps }
    .says = La { -station } no pudo leer sus datos para conectarse a { -dps }, o no son válidos.
    .todo = Llame al ingeniero de línea: los datos de conexión de la { -station } a { -dps } faltan o están mal.

# unreviewed
err-upload-gave_up = La carga se detuvo tras muchos intentos
    .says = Algunas inscripciones todavía no se pudieron subir a { -dps } después de todos los intentos. No se perdió nada: siguen en la cola.
    .todo = Llame a un { -supervisor }: las cargas a { -dps } siguen fallando.

# unreviewed
err-upload-group_conflict = El grupo de inscripción tiene otra clave
    .says = { -dps } ya tiene el grupo de inscripción de este { -product } con otra clave, así que no aceptaría las { -board(form: "plural") } hechas aquí. No se cambió nada en { -dps }.
    .todo = Llame a un { -supervisor }: el grupo de inscripción del { -product } en { -dps } tiene otra clave.

# unreviewed
err-upload-group_key = No se pudo leer la clave del grupo
    .says = La { -station } no pudo leer la clave del grupo de este { -product }, así que no pudo revisar el grupo en { -dps }.
    .todo = Llame al ingeniero de línea: falta la clave del grupo del { -product }.

# unreviewed
err-upload-identity = El servicio de carga no puede leer su clave
    .says = El servicio de carga no pudo leer la clave que necesita para abrir las claves selladas de los dispositivos, así que no se inició. Nada llega a { -dps } hasta que se ejecute.
    .todo = Llame al ingeniero de línea: el servicio de carga no puede leer su clave.

# unreviewed
err-upload-initial_twin = Configuración inicial en la nube del { -product } inválida
    .says = La { -station } no pudo crear la configuración inicial en la nube de este { -product }, así que su grupo no se envió a { -dps }.
    .todo = Llame al ingeniero de línea: la configuración inicial en la nube del { -product } es incorrecta.

# unreviewed
err-upload-internal = El servicio de carga se detuvo por una falla
    .says = Una parte del servicio de carga que trabaja en segundo plano falló por un error en el programa de la { -station }. Las inscripciones siguen en la cola.
    .todo = Llame al ingeniero de línea: el servicio de carga se detuvo por un error del programa.

# unreviewed
err-upload-network = Sin respuesta de { -dps }
    .says = { -dps } no respondió a la { -station }. Las inscripciones siguen en la cola hasta que se suban.
    .todo = Llame a un { -supervisor }: la { -station } no puede comunicarse con { -dps } por la red.

# unreviewed
err-upload-not_configured = Carga sin configurar
    .says = La { -station } no está configurada para enviar inscripciones a { -dps }.
    .todo = Llame al ingeniero de línea: la carga a { -dps } no está configurada.

# unreviewed
err-upload-not_found = { -dps } no lo encontró
    .says = { -dps } no encontró la inscripción o el grupo que pidió la { -station }.
    .todo = Llame a un { -supervisor }: { -dps } no encontró una inscripción.

# unreviewed
err-upload-precondition_failed = Cambió en { -dps } mientras tanto
    .says = La inscripción cambió en { -dps } después de que la { -station } la leyó, así que no se actualizó.
    .todo = Llame a un { -supervisor } para que reintente la carga.

# unreviewed
err-upload-queue = El servicio de carga no pudo iniciar
    .says = El servicio de carga no pudo crear un archivo que necesita en el disco de la { -station }, así que no se inició.
    .todo = Llame al ingeniero de línea: el servicio de carga no puede escribir en el disco de la { -station }.

# unreviewed
err-upload-rejected = { -dps } rechazó la solicitud
    .says = { -dps } rechazó una solicitud de la { -station }. Reintentar no ayudará.
    .todo = Llame a un { -supervisor }: { -dps } rechazó la carga.

# unreviewed
err-upload-service_unavailable = { -dps } tuvo una falla en su servidor
    .says = { -dps } tuvo una falla de su lado. El servicio de carga reintenta por sí solo; las inscripciones siguen en la cola.
    .todo = Llame a un { -supervisor } si sigue pasando.

# unreviewed
err-upload-throttled = { -dps } frenó la carga
    .says = La { -station } envió más solicitudes de las que { -dps } permite. El servicio de carga espera y reintenta por sí solo; las inscripciones siguen en la cola.
    .todo = Llame a un { -supervisor } si sigue pasando.

# unreviewed
err-upload-trust_anchor = No se puede verificar el certificado de { -dps }
    .says = La { -station } no puede leer el certificado con el que verifica a { -dps }, así que no se conecta.
    .todo = Llame al ingeniero de línea: falta el certificado para verificar a { -dps } o no se puede leer.

# unreviewed
err-upload-unauthorized = { -dps } rechazó la clave de acceso
    .says = { -dps } no aceptó la clave de acceso de la { -station }: es incorrecta, venció o le falta un permiso, o el reloj de la { -station } está mal. Reintentar no ayudará.
    .todo = Llame al ingeniero de línea: { -dps } rechazó la clave de acceso de la { -station }.

# unreviewed
err-verify-bad_identity = Clave para abrir el lote no válida
    .says = El lote está sellado y no se dio ninguna clave válida para abrirlo. No se importó nada.
    .todo = Llame a un { -supervisor }: se necesita la clave del operador de los dispositivos para abrir el lote.

# unreviewed
err-verify-bad_manifest = Lista de archivos del lote dañada
    .says = La lista firmada de archivos del lote está dañada o no tiene la forma correcta. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-bad_record = Registro del lote dañado
    .says = Un registro del lote está dañado, o los archivos del lote no coinciden sobre él. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-bad_signature = Firma del lote no válida
    .says = La firma del lote no coincide: su lista de archivos se cambió después de firmarla. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-bad_trust = Certificado de verificación inutilizable
    .says = El archivo indicado para verificar el lote no contiene ningún certificado, así que el lote no se puede verificar.
    .todo = Llame a un { -supervisor }: el lote se debe verificar con el certificado de firma de la { -station }.

# unreviewed
err-verify-certificate_lost = Certificado perdido tras el reinicio
    .says = La { -board } perdió su certificado al reiniciarse. La { -unit } queda como { -fail }, la { -board } no se bloqueó y su certificado ya no es válido.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-verify-io = No se puede leer un archivo del lote
    .says = Un archivo del lote no se pudo leer, así que el lote no se pudo verificar.
    .todo = Llame a un { -supervisor }: los archivos del lote no se pueden leer.

# unreviewed
err-verify-mismatch = Un ajuste releído es distinto
    .says = Un ajuste releído de la { -board } después del reinicio no coincide con lo que se escribió. La { -unit } queda como { -fail } y la { -board } no se bloqueó.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-verify-missing_file = Falta un archivo del lote
    .says = Falta un archivo del lote, o su lista de archivos. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-not_for_this_identity = Lote sellado para otra persona
    .says = Ninguna de las claves indicadas abre el lote sellado: la { -station } lo selló para otra persona. No se importó nada.
    .todo = Pida a un { -supervisor } un lote sellado para su clave.

# unreviewed
err-verify-not_persisted = Ajuste perdido tras el reinicio
    .says = Un ajuste escrito en la { -board } ya no estaba después del reinicio. La { -unit } queda como { -fail } y la { -board } no se bloqueó.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-verify-record_count = Cantidad de registros del lote incorrecta
    .says = Un archivo del lote tiene una cantidad de registros distinta de la que indica su lista firmada de archivos. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-sealed_corrupt = Lote sellado dañado
    .says = El lote sellado no se pudo abrir: el archivo está incompleto o se cambió después de sellarlo. No se importó nada.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-sealed_entry = El lote sellado contiene un archivo ajeno
    .says = El lote sellado contiene algo que no pertenece a un lote, así que se rechazó antes de desempacar nada. No se importó nada.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-tampered = Archivo del lote cambiado tras exportarlo
    .says = Un archivo del lote no coincide con su lista firmada de archivos: se cambió después de la exportación. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-trust = No se puede leer el certificado de verificación
    .says = El archivo de certificado indicado para verificar el lote no se pudo leer, así que el lote no se verificó.
    .todo = Llame a un { -supervisor }: el lote se debe verificar con el certificado de firma de la { -station }.

# unreviewed
err-verify-unexpected_file = Archivo inesperado en el lote
    .says = La carpeta del lote contiene un archivo que su lista firmada de archivos no nombra. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-verify-untrusted_signer = Lote firmado con una clave no confiable
    .says = El lote no se firmó con el certificado de confianza ni con uno emitido por él. No importe este lote.
    .todo = Pida a un { -supervisor } que exporte el lote de nuevo.

# unreviewed
err-watch-auto_start_off = El inicio automático está apagado
    .says = Para iniciar las { -slot(form: "plural") } por sí solas se necesita el inicio automático, y esta { -station } no está configurada para ello.
    .todo = Llame al ingeniero de línea: el inicio automático está apagado en esta { -station }.

# unreviewed
err-watch-no_definition = Distribución de la { -fixture } sin definir
    .says = Para iniciar una { -slot } por sí sola, la { -station } debe conocer la distribución de la { -fixture }, y no hay ninguna definida.
    .todo = Llame al ingeniero de línea: la distribución de la { -fixture } no está definida.

# unreviewed
err-x509-chain_too_large = Certificados demasiado grandes para la { -board }
    .says = Los certificados no caben en el espacio que la { -board } tiene para recibirlos, así que no se instalaron. La { -unit } queda como { -fail } y el certificado emitido para ella ya no es válido.
    .todo = Llame al ingeniero de línea: los certificados son demasiado grandes para el firmware de la { -board }.

# unreviewed
err-x509-cn_too_long = ID de registro demasiado largo para un certificado
    .says = El ID de registro de esta { -board } es más largo de lo que permite un certificado. La { -unit } queda como { -fail } antes de emitir un certificado.
    .todo = Llame al ingeniero de línea: los ID de registro del { -product } son demasiado largos.

# unreviewed
err-x509-csr_asks_for_ca = La { -board } pidió un certificado para firmar
    .says = La solicitud de certificado de la { -board } pide un certificado que podría firmar otros certificados, lo cual nunca se permite. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-csr_bad_signature = Solicitud de certificado mal firmada
    .says = La solicitud de certificado de la { -board } no está firmada con su propia clave, así que la { -board } no demostró que tiene esa clave. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-csr_extensions = La solicitud de certificado pide campos adicionales
    .says = La solicitud de certificado de la { -board } pide campos adicionales del certificado que este { -product } no permite. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-csr_key_not_allowed = Tipo de clave de la { -board } no permitido
    .says = La { -board } generó una clave de un tipo que este { -product } no permite. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo: su firmware puede no corresponder a este { -product }.

# unreviewed
err-x509-csr_malformed = Solicitud de certificado dañada
    .says = La solicitud de certificado de la { -board } no es válida. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-csr_rejected = Solicitud de certificado rechazada
    .says = La solicitud de certificado de la { -board } no cumple de otra forma las reglas de este { -product }. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-csr_wrong_subject = La solicitud de certificado tiene un nombre incorrecto
    .says = La solicitud de certificado de la { -board } no lleva exactamente su ID de registro como nombre. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-install_mismatch = El certificado instalado es distinto
    .says = El certificado que la { -board } dice tener guardado no coincide con el emitido. La { -unit } queda como { -fail } y su certificado ya no es válido.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-key_reused = Clave de la { -board } ya usada
    .says = La { -board } envió una clave que ya se certificó para otra { -unit }: dos { -board(form: "plural") } comparten una clave, o la { -board } envió la solicitud de otra. No se emitió ningún certificado.
    .todo = Aparte la { -board } y llame a un { -supervisor }.

# unreviewed
err-x509-no_ca = Sin clave de firma para el { -product }
    .says = La { -station } no tiene cargada una clave de firma para este { -product }, así que no puede emitir certificados. La { -unit } queda como { -fail } antes de escribir nada en la { -board }.
    .todo = Llame al ingeniero de línea: no hay una clave de firma cargada para este { -product }.

# unreviewed
err-x509-no_work_order = Se necesita una { -work-order } para los certificados
    .says = Este { -product } necesita una { -work-order } para emitir certificados, y no hay ninguna definida. La { -unit } queda como { -fail } antes de emitir un certificado.
    .todo = Cuando un { -supervisor } defina la { -work-order }, vuelva a ejecutar la { -slot }.

# unreviewed
err-x509-readback_mismatch = El certificado releído es distinto
    .says = Los certificados releídos de la { -board } no coinciden con los instalados. La { -unit } queda como { -fail } y su certificado ya no es válido.
    .todo = Envíe la { -board } a retrabajo.

# unreviewed
err-x509-sign_failed = No se pudo firmar el certificado
    .says = La clave de firma de la { -station } no pudo firmar el certificado de la { -board }. No se emitió ningún certificado y la { -unit } queda como { -fail }.
    .todo = Llame al ingeniero de línea: la clave de firma de la { -station } no funciona.
