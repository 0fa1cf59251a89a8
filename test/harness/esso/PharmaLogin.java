import java.awt.BorderLayout;
import java.awt.GridLayout;
import javax.swing.JButton;
import javax.swing.JFrame;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JPasswordField;
import javax.swing.JTextField;
import javax.swing.SwingUtilities;

/**
 * PHARMA: a Java Swing login window for the eSSO tests. Prints one JSON line per submission
 * (what the window received) on stdout. Arguments: the accepted user and password.
 */
public class PharmaLogin {
    static int failures = 0;

    static String json(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    public static void main(String[] args) {
        String acceptedUser = args[0];
        String acceptedPassword = args[1];
        SwingUtilities.invokeLater(() -> {
            JFrame frame = new JFrame("Pharmacie — Connexion");
            JTextField user = new JTextField(16);
            JPasswordField password = new JPasswordField(16);
            JButton submit = new JButton("Connexion");
            JPanel fields = new JPanel(new GridLayout(2, 2));
            fields.add(new JLabel("Identifiant"));
            fields.add(user);
            fields.add(new JLabel("Mot de passe"));
            fields.add(password);
            frame.getContentPane().add(fields, BorderLayout.CENTER);
            frame.getContentPane().add(submit, BorderLayout.SOUTH);
            Runnable login = () -> {
                String u = user.getText();
                String p = new String(password.getPassword());
                System.out.println("{\"screen\": \"login\", \"user\": " + json(u) + ", \"password\": " + json(p) + "}");
                System.out.flush();
                if (u.equals(acceptedUser) && p.equals(acceptedPassword)) {
                    frame.setTitle("Pharmacie — Dispensation (" + u + ")");
                } else {
                    failures++;
                    frame.setTitle("Pharmacie — Accès refusé");
                    password.setText("");
                }
            };
            submit.addActionListener(e -> login.run());
            password.addActionListener(e -> login.run());
            frame.setDefaultCloseOperation(JFrame.DISPOSE_ON_CLOSE);
            frame.addWindowListener(new java.awt.event.WindowAdapter() {
                @Override
                public void windowClosed(java.awt.event.WindowEvent e) {
                    System.out.println("{\"screen\": \"closed\"}");
                    System.out.flush();
                    System.exit(0);
                }
            });
            frame.pack();
            frame.setLocation(20, 20);
            frame.setVisible(true);
            user.requestFocusInWindow();
            System.out.println("{\"screen\": \"started\"}");
            System.out.flush();
        });
    }
}
